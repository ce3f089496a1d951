"""Reads of the ``accounts`` view: a page of accounts found, filtered and sorted (the
search through its index of character pairs), who may see which, an account by name,
the accounts worked on, their owners, the names of those not archived."""

from __future__ import annotations

from typing import Any

from kaflow.projections import Cut
from kaflow.projections.accounts import SORTS
from kaflow.projections.db import Cursor
from kaflow.projections.names import grams, search_key


def find(
    cursor: Cursor,
    *,
    search: str | None = None,
    category: str | None = None,
    owner: str | None = None,
    state: str | None = None,
    idle_since: float | None = None,
    include_archived: bool = False,
    sort: str | None = None,
    visible_to: str | None = None,
) -> list[str]:
    """Ids (hex) of the accounts that match every filter given, in ``sort`` order (with
    ``visible_to``, only those that user owns or took part in)."""
    where, params = _where(cursor, search, category, owner, state, idle_since, include_archived)
    _visible(where, params, visible_to)
    return _ids(cursor, where, params, sort)


def find_page(
    cursor: Cursor,
    *,
    search: str | None = None,
    category: str | None = None,
    owner: str | None = None,
    state: str | None = None,
    idle_since: float | None = None,
    include_archived: bool = False,
    sort: str | None = None,
    limit: int | None = None,
    offset: int = 0,
    visible_to: str | None = None,
) -> tuple[list[str], int]:
    """``find``'s ids from ``offset`` on, at most ``limit`` of them (None: all), and how
    many accounts match in all: a page's ids only, however many match (read in one
    snapshot when ``cursor`` reads one)."""
    where, params = _where(cursor, search, category, owner, state, idle_since, include_archived)
    _visible(where, params, visible_to)
    matching = "SELECT account_id FROM accounts" + _joined(where)
    total = cursor.execute(f"SELECT count(*) FROM ({matching}) m", tuple(params)).fetchone()[0]
    if limit is None:
        return _ids(cursor, where, params, sort)[offset:], int(total)
    if offset >= total or limit == 0:
        return [], int(total)
    return _ids(cursor, where, params, sort, " LIMIT ? OFFSET ?", [limit, offset]), int(total)


# The accounts a user owns or took part in: recorded a step on, chaired, led or joined.
TOOK_PART = (
    "(owner = ? OR account_id IN (SELECT account_id FROM pipeline_states WHERE actor = ?) "
    "OR account_id IN (SELECT account_id FROM ledger_entries WHERE actor = ? "
    "OR (', ' || led_by || ', ') LIKE ?))"
)


def _took_part(user: str) -> list[Any]:
    return [user, user, user, f"%, {user}, %"]


def _visible(where: list[str], params: list[Any], user: str | None) -> None:
    if user is not None:
        where.append(TOOK_PART)
        params.extend(_took_part(user))


def visible(cursor: Cursor, account_id: str, user: str) -> bool:
    """Whether ``user`` owns the account (hex id) or took part in it."""
    sql = f"SELECT 1 FROM accounts WHERE account_id = ? AND {TOOK_PART}"
    return cursor.execute(sql, (account_id, *_took_part(user))).fetchone() is not None


def hidden_from(cursor: Cursor, user: str) -> set[str]:
    """Ids (hex) of the accounts ``user`` neither owns nor took part in."""
    sql = f"SELECT account_id FROM accounts WHERE NOT {TOOK_PART}"
    return {r[0] for r in cursor.execute(sql, tuple(_took_part(user))).fetchall()}


def _joined(where: list[str]) -> str:
    return " WHERE " + " AND ".join(where) if where else ""


def _ids(
    cursor: Cursor,
    where: list[str],
    params: list[Any],
    sort: str | None,
    tail: str = "",
    more: tuple[Any, ...] | list[Any] = (),
) -> list[str]:
    sql = f"SELECT account_id FROM accounts{_joined(where)} "
    sql += f"ORDER BY {SORTS[sort] if sort else 'position'}{tail}"
    return [r[0] for r in cursor.execute(sql, (*params, *more)).fetchall()]


def _where(
    cursor: Cursor,
    search: str | None,
    category: str | None,
    owner: str | None,
    state: str | None,
    idle_since: float | None,
    include_archived: bool,
) -> tuple[list[str], list[Any]]:
    """The conditions every filter given puts on the accounts, and their parameters."""
    where: list[str] = []
    params: list[Any] = []
    for column, value in (("category", category), ("owner", owner), ("state", state)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    if search is not None:
        key = search_key(search)
        rarest = _rarest(cursor, grams(key))
        if rarest is not None:  # the accounts holding its rarest pair, then each checked
            where.append("account_id IN (SELECT account_id FROM account_grams WHERE gram = ?)")
            params.append(rarest)
        where.append("search_key LIKE ?")  # the key holds letters and digits only
        params.append(f"%{key}%")
    if idle_since is not None:  # open accounts only: a won or lost one waits for nothing
        where.append("last_step_ts < ? AND state NOT IN ('won', 'lost')")
        params.append(idle_since)
    if not include_archived:
        where.append("archived_ts IS NULL")
    return where, params


def _rarest(cursor: Cursor, pairs: set[str], enough: int = 200) -> str | None:
    """The pair held by the fewest accounts (counted up to ``enough``: past that, any
    will do), or None for a one-character search (it reads every name)."""
    counted = []
    for gram in sorted(pairs):
        row = cursor.execute(
            "SELECT count(*) FROM (SELECT 1 FROM account_grams WHERE gram = ? LIMIT ?) g",
            (gram, enough),
        ).fetchone()
        counted.append((row[0], gram))
    return min(counted)[1] if counted else None


def named(cursor: Cursor, name: str) -> list[str]:
    """Ids (hex) of the accounts called exactly ``name``."""
    rows = cursor.execute("SELECT account_id FROM accounts WHERE name = ?", (name,)).fetchall()
    return [r[0] for r in rows]


def left_out(cursor: Cursor, cut: Cut, owner: str | None, archived: bool) -> set[str]:
    """Ids (hex) of the accounts a report leaves out: those archived inside ``cut``
    (unless ``archived``), and, with ``owner``, those someone else owns now."""
    where: list[str] = []
    params: list[Any] = []
    if not archived:
        where.append(f"({cut.where(happened='archived_at_ts', recorded='archived_ts')})")
        params.extend(cut)
    if owner is not None:
        where.append("owner <> ?")
        params.append(owner)
    if not where:
        return set()
    sql = "SELECT account_id FROM accounts WHERE " + " OR ".join(where)
    return {r[0] for r in cursor.execute(sql, tuple(params)).fetchall()}


def worked_on(
    cursor: Cursor, state: str | None, since: float | None, until: float | None
) -> list[str]:
    """Ids (hex) of the accounts not archived, in ``state`` if given, with a step that
    happened between ``since`` and ``until`` if given, in the order they were added."""
    where: list[str] = ["a.archived_ts IS NULL"]
    params: list[Any] = []
    if state is not None:
        where.append("a.state = ?")
        params.append(state)
    if since is not None or until is not None:
        low, high = since if since is not None else 0.0, until if until is not None else 1e12
        where.append(
            "(EXISTS (SELECT 1 FROM pipeline_states s WHERE s.account_id = a.account_id "
            "AND s.occurred_ts BETWEEN ? AND ?) OR EXISTS (SELECT 1 FROM ledger_entries e "
            "WHERE e.account_id = a.account_id AND e.occurred_ts BETWEEN ? AND ?))"
        )
        params += [low, high, low, high]
    rows = cursor.execute(
        f"SELECT a.account_id FROM accounts a WHERE {' AND '.join(where)} ORDER BY a.position",
        tuple(params),
    )
    return [r[0] for r in rows]


def live_names(cursor: Cursor) -> list[tuple[str, str, str]]:
    """(id, name, duplicate_key) of every account not archived: where a duplicate
    would be."""
    rows = cursor.execute(
        "SELECT account_id, name, duplicate_key FROM accounts WHERE archived_ts IS NULL"
    )
    return [(r[0], r[1], r[2]) for r in rows]


def account_names(cursor: Cursor) -> dict[str, str]:
    """Every account's name, by its id as the views keep it (hex)."""
    return dict(cursor.execute("SELECT account_id, name FROM accounts").fetchall())


def names(views: Any) -> dict[str, str]:
    """``account_names``, read in a transaction of its own."""
    with views.reading() as cursor:
        return account_names(cursor)


def owners(cursor: Cursor, cut: Cut) -> list[tuple[str, str]]:
    """(account, its owner now) for every account identified inside ``cut``, archived
    or not."""
    rows = cursor.execute(
        "SELECT a.account_id, a.owner FROM accounts a JOIN pipeline_states s "
        "ON s.account_id = a.account_id AND s.event = 'Identified' "
        f"WHERE {cut.where('s')} ORDER BY a.position",
        tuple(cut),
    )
    return [(r[0], r[1]) for r in rows]
