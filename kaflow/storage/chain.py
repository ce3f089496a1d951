"""The log's hash chain: every event stored extends it, in the same transaction.

Each event at position ``p`` has a digest of what is stored for it (its aggregate id,
version, topic and stored bytes) and a link, ``SHA-256(previous link, p, digest,
login)``, where ``login`` is the database login that wrote it (PostgreSQL's
``session_user``; empty on SQLite). The links are kept in ``kaflow_chain`` beside the
log. Anyone who alters, inserts, deletes or reorders an event breaks the chain at that
position; one who also rewrites the chain is caught by a signed checkpoint of a link
(``kaflow.storage.audit``).

The recorders (``kaflow.storage.sqlite``, ``kaflow.storage.postgres``) call ``extend``
with the positions the store gave the events just inserted, inside the insert's
transaction: no path that appends through the library can leave the chain behind. Events
stored before the chain existed (or by a path that bypassed it) are chained by the next
append, which is why ``verify`` reports a link that is missing or wrong rather than
trusting the table.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

TABLE = "kaflow_chain"
GENESIS = bytes(32)
VERSION = b"kaflow-chain:v1"


def _frame(*parts: bytes) -> bytes:
    return b"".join(struct.pack(">Q", len(p)) + p for p in parts)


def aggregate_text(aggregate: UUID | str) -> str:
    """An aggregate id as the chain spells it, whatever the store's column type."""
    return aggregate.hex if isinstance(aggregate, UUID) else UUID(str(aggregate)).hex


def digest(aggregate: UUID | str, version: int, topic: str, state: bytes) -> bytes:
    """What is stored for one event, as 32 bytes."""
    import hashlib  # here: a command that only reads never loads OpenSSL for it

    parts = (aggregate_text(aggregate).encode(), str(version).encode(), topic.encode(), state)
    return hashlib.sha256(VERSION + _frame(*parts)).digest()


def link(previous: bytes, position: int, event_digest: bytes, login: str = "") -> bytes:
    """The chain's link for the event at ``position``, after ``previous``."""
    import hashlib

    return hashlib.sha256(
        previous + struct.pack(">Q", position) + event_digest + _frame(login.encode())
    ).digest()


@dataclass(frozen=True)
class Link:
    position: int
    digest: bytes
    hash: bytes
    login: str = ""


Stored = tuple[int, Any, int, str, bytes]  # position, aggregate id, version, topic, state


def links(previous: bytes, events: Iterable[Stored], login: str = "") -> list[Link]:
    """The links for ``events`` (in position order) after ``previous``."""
    made = []
    for position, aggregate, version, topic, state in events:
        d = digest(aggregate, version, topic, bytes(state))
        previous = link(previous, position, d, login)
        made.append(Link(position, d, previous, login))
    return made


# -- in a store's transaction ------------------------------------------------------------


class Dialect:
    """How one engine spells the chain's statements (SQLite: ``?``; PostgreSQL: ``%s``)."""

    def __init__(self, engine: str, events_table: str, chain_table: str = TABLE) -> None:
        self.engine = engine
        self.mark = "?" if engine == "sqlite" else "%s"
        self.events_table = events_table
        self.table = chain_table
        self.position = "rowid" if engine == "sqlite" else "notification_id"
        blob = "BLOB" if engine == "sqlite" else "BYTEA"
        integer = "INTEGER" if engine == "sqlite" else "BIGINT"
        self.create = (
            f"CREATE TABLE IF NOT EXISTS {self.table} (position {integer} PRIMARY KEY, "
            f"digest {blob} NOT NULL, hash {blob} NOT NULL, login TEXT NOT NULL DEFAULT '')"
        )

    def sql(self, text: str) -> str:
        return text.replace("?", self.mark)


def _row(row: Any) -> tuple[Any, ...]:
    return tuple(row.values()) if isinstance(row, dict) else tuple(row)


def last_link(cursor: Any, dialect: Dialect) -> tuple[int, bytes]:
    """The chain's last link: (position, hash), or (0, GENESIS) for an empty chain."""
    cursor.execute(f"SELECT position, hash FROM {dialect.table} ORDER BY position DESC LIMIT 1")
    found = cursor.fetchall()
    if not found:
        return 0, GENESIS
    position, value = _row(found[0])
    return int(position), bytes(value)


def extend(
    cursor: Any,
    dialect: Dialect,
    positions: Sequence[int],
    events: Sequence[Any],
    login: str = "",
    head: tuple[int, bytes] | None = None,
) -> tuple[int, bytes] | None:
    """Chain ``events`` (the library's ``StoredEvent``s, just inserted at ``positions``),
    after any event stored since the chain's last link that is not linked yet; the new
    last link. ``head`` is a link known to be committed: when the events follow it
    directly, it is the last one, and is not read again."""
    if not positions:
        return None
    if head is not None and min(positions) == head[0] + 1:
        after, previous = head
    else:
        after, previous = last_link(cursor, dialect)
    first = min(positions)
    behind: list[Stored] = []
    if first > after + 1:  # events stored unchained (before the chain was): linked first
        cursor.execute(
            dialect.sql(
                f"SELECT {dialect.position}, originator_id, originator_version, topic, state "
                f"FROM {dialect.events_table} WHERE {dialect.position} > ? "
                f"AND {dialect.position} < ? ORDER BY {dialect.position}"
            ),
            (after, first),
        )
        behind = [_row(r) for r in cursor.fetchall()]
    fresh = [
        (p, e.originator_id, e.originator_version, e.topic, e.state)
        for p, e in sorted(zip(positions, events, strict=True), key=lambda pe: pe[0])
    ]
    made = links(previous, [*behind, *fresh], login)
    cursor.executemany(
        dialect.sql(
            f"INSERT INTO {dialect.table} (position, digest, hash, login) VALUES (?,?,?,?)"
        ),
        [(k.position, k.digest, k.hash, k.login) for k in made],
    )
    return made[-1].position, made[-1].hash


# -- checking -------------------------------------------------------------------------


@dataclass(frozen=True)
class Break:
    """The first position where the log and its chain disagree, and how."""

    position: int
    kind: str  # altered | reordered | inserted | deleted | rewritten
    detail: str


@dataclass
class Walk:
    """What a walk along the log found: where it ended, the links at the positions asked
    for (checkpoints), and the first break."""

    count: int = 0
    position: int = 0
    hash: bytes = GENESIS
    broken: Break | None = None


def walk(
    events: Iterator[Stored],
    chain: Iterator[Link],
    *,
    wanted: set[int] | None = None,
    found: dict[int, bytes] | None = None,
    elsewhere: Any = None,
) -> Walk:
    """Recompute the chain along ``events`` and compare it with the stored ``chain``
    (both in position order), stopping at the first break. ``found`` receives the
    recomputed link at each position in ``wanted``; ``elsewhere(digest)`` says at which
    position the chain holds a digest (to tell an event moved from one altered)."""
    result = Walk()
    event = next(events, None)
    stored = next(chain, None)
    previous = GENESIS
    while event is not None or stored is not None:
        if stored is None or (event is not None and event[0] < stored.position):
            assert event is not None
            at, aggregate, version, topic, _ = event
            if stored is None and event[0] > result.position:
                kind = "inserted"
                detail = (
                    f"event at position {at} ({_name(aggregate)} version {version}, {topic}) "
                    "has no link: appended without the chain"
                )
            else:
                kind = "inserted"
                detail = (
                    f"event at position {at} ({_name(aggregate)} version {version}, {topic}) "
                    "was not in the log when the chain was written"
                )
            result.broken = Break(at, kind, detail)
            return result
        if event is None or stored.position < event[0]:
            result.broken = Break(
                stored.position,
                "deleted",
                f"the event at position {stored.position} is missing from the log",
            )
            return result
        at, aggregate, version, topic, state = event
        d = digest(aggregate, version, topic, bytes(state))
        if d != stored.digest:
            moved = elsewhere(d) if elsewhere is not None else None
            what = f"{_name(aggregate)} version {version}, {topic}"
            if moved is not None and moved != at:
                result.broken = Break(
                    at,
                    "reordered",
                    f"the event at position {at} ({what}) was recorded at position {moved}",
                )
            else:
                result.broken = Break(
                    at,
                    "altered",
                    f"the event at position {at} ({what}) is not what was recorded "
                    "(its contents, topic, aggregate or version changed)",
                )
            return result
        expected = link(previous, at, d, stored.login)
        if expected != stored.hash:
            result.broken = Break(
                at, "rewritten", f"the chain's link at position {at} was rewritten"
            )
            return result
        previous = expected
        result.count += 1
        result.position, result.hash = at, expected
        if wanted is not None and found is not None and at in wanted:
            found[at] = expected
        event = next(events, None)
        stored = next(chain, None)
    return result


def _name(aggregate: Any) -> str:
    try:
        return f"aggregate {UUID(aggregate_text(aggregate))}"
    except ValueError:
        return f"aggregate {aggregate}"
