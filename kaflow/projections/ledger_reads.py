"""The development record's reads: one account's record, and the entries, visits and
corrections inside a cut, from the tables ``LedgerView`` keeps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from kaflow.projections import Cut
from kaflow.projections.db import Cursor

Row = dict[str, Any]


@dataclass(frozen=True)
class Record:
    """One account's record as the view holds it: its row (with the account's state),
    its entries numbered in order, and its corrections in order."""

    account: Row
    entries: list[Row]
    changes: list[Row]
    outcomes: list[Row]  # the losses and reopenings, in order


class ChangeAfter(NamedTuple):
    account_id: str
    seq: int  # the corrected entry's event number on the account
    field: str
    old: str


class Held(NamedTuple):
    account_id: str
    seq: int
    kind: str  # meeting | visit
    person: str  # who chaired or led it
    occurred_at: str


def record(cursor: Cursor, account: str) -> Record | None:
    """The record of ``account`` (hex id), or None if there is no such account."""
    found = cursor.execute(
        "SELECT l.*, a.state FROM ledger_accounts l JOIN accounts a USING (account_id) "
        "WHERE account_id = ?",
        (account,),
    ).fetchone()
    if found is None:
        return None
    entries = cursor.execute(
        "SELECT row_number() OVER (ORDER BY seq) AS entry, * FROM ledger_entries "
        "WHERE account_id = ? ORDER BY seq",
        (account,),
    ).fetchall()
    changes = cursor.execute(
        "SELECT * FROM ledger_changes WHERE account_id = ? ORDER BY change", (account,)
    ).fetchall()
    outcomes = cursor.execute(
        "SELECT * FROM ledger_outcomes WHERE account_id = ? ORDER BY seq", (account,)
    ).fetchall()
    return Record(
        dict(found),
        [dict(e) for e in entries],
        [dict(c) for c in changes],
        [dict(o) for o in outcomes],
    )


def visit_leads(cursor: Cursor, cut: Cut) -> dict[str, str]:
    """Who led each account's latest visit inside ``cut``."""
    rows = cursor.execute(
        f"SELECT account_id, seq, person FROM ledger_entries WHERE kind = 'visit' "
        f"AND {cut.where()}",
        tuple(cut),
    ).fetchall()
    return {account: person for account, _, person in sorted(tuple(r) for r in rows)}


def visits(
    cursor: Cursor, cut: Cut, since: datetime | None = None, until: datetime | None = None
) -> list[Row]:
    """The visit entries inside ``cut`` (between ``since`` and ``until`` if given), in
    the order they took place: each numbered on its account (``visit``) among the visits
    inside the cut, with the account's name, as corrected now."""
    rows = cursor.execute(
        "SELECT v.*, a.name FROM ledger_entries v LEFT JOIN accounts a USING (account_id) "
        f"WHERE v.kind = 'visit' AND {cut.where('v')}",
        tuple(cut),
    )
    found = sorted((dict(r) for r in rows), key=lambda r: (r["account_id"], r["seq"]))
    number: dict[str, int] = {}
    for r in found:
        r["visit"] = number[r["account_id"]] = number.get(r["account_id"], 0) + 1
    start = since.timestamp() if since else None
    end = until.timestamp() if until else None
    kept = [
        r
        for r in found
        if (start is None or r["occurred_ts"] >= start) and (end is None or r["occurred_ts"] <= end)
    ]
    return sorted(kept, key=lambda r: (r["occurred_ts"], r["account_id"], r["seq"]))


def changes_outside(cursor: Cursor, cut: Cut) -> list[ChangeAfter]:
    """Corrections outside ``cut`` (made after it, or recorded after it), newest first,
    each with the event number of the entry it changed: to fold back."""
    rows = cursor.execute(
        "SELECT account_id, change, entry, field, old FROM ledger_changes "
        "WHERE occurred_ts > ? OR changed_ts > ?",
        tuple(cut),
    ).fetchall()
    found = []
    for account, _, entry, field, old in sorted(rows, key=lambda r: (r[1], r[0]), reverse=True):
        if entry == 0:
            continue  # the account's own fields, not an entry
        seq = cursor.execute(
            "SELECT seq FROM ledger_entries WHERE account_id = ? ORDER BY seq LIMIT 1 OFFSET ?",
            (account, entry - 1),
        ).fetchone()
        found.append(ChangeAfter(account, seq[0], field, old))
    return found


def meetings_and_visits(cursor: Cursor, cut: Cut) -> list[Held]:
    """The meetings (who chaired) and visits (who led) inside ``cut``, by account and in
    order."""
    rows = cursor.execute(
        "SELECT account_id, seq, kind, person, occurred_at FROM ledger_entries "
        f"WHERE kind IN ('meeting', 'visit') AND {cut.where()}",
        tuple(cut),
    )
    return sorted(Held(*row) for row in rows)


def changes_recorded(cursor: Cursor, cut: Cut) -> dict[str, list[float]]:
    """When each account's record was changed (corrected, or its account edited) inside
    ``cut``: seconds since the epoch it was recorded, in order."""
    found: dict[str, list[float]] = {}
    rows = cursor.execute(
        "SELECT account_id, change, changed_ts FROM ledger_changes "
        f"WHERE {cut.where(recorded='changed_ts')}",
        tuple(cut),
    )
    for account, _, changed in sorted(tuple(r) for r in rows):
        found.setdefault(account, []).append(changed)
    return found


class Recorded(NamedTuple):
    account_id: str
    kind: str
    occurred_ts: float
    recorded_ts: float
    actor: str  # who recorded it
    details: str  # the entry's own fields, as corrected (JSON)


def entries_recorded(cursor: Cursor, cut: Cut) -> list[Recorded]:
    """Every entry inside ``cut``, with when it happened, when and by whom it was
    recorded: what shows late entries and entries recorded for someone else."""
    rows = cursor.execute(
        "SELECT account_id, seq, kind, occurred_ts, recorded_ts, actor, details "
        f"FROM ledger_entries WHERE {cut.where()}",
        tuple(cut),
    )
    return [Recorded(r[0], *r[2:]) for r in sorted(tuple(r) for r in rows)]
