"""A copy of a store checked against its source: both read again and compared, each
aggregate's events by checksum (positions, versions, topics, states), the snapshots, the
delivery positions and the hash chain's head; the first accounts that differ named."""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Callable, Iterator
from heapq import merge
from itertools import groupby
from typing import Any
from uuid import UUID

from kaflow.aggregates.directory import DIRECTORY_ID as DIRECTORY  # no account
from kaflow.storage.rows import BATCH, Event, Store
from kaflow.storage.side_tables import chain_head
from kaflow.storage.url import safe_url

SHOWN = 20  # accounts named when the copy differs
Progress = Callable[[str, int, int], None]  # stage, done, total


def verify(source: Store, target: Store, total: int, progress: Progress | None) -> dict[str, Any]:
    """Both stores read again (the source in the same snapshot) and compared."""
    mine: dict[str, int] = dict.fromkeys(("aggregates", "accounts", "events", "last"), 0)
    theirs = dict(mine)
    both = merge(
        _digests(source.events(by_aggregate=True), mine, total, progress),
        _digests(target.events(by_aggregate=True), theirs, total, None),
    )
    differing: list[str] = []  # the first SHOWN with other checksums, or on one side only
    count = 0
    for aggregate, found in groupby(both, key=lambda pair: pair[0]):
        digests = [digest for _, digest in found]
        if len(digests) != 2 or digests[0] != digests[1]:
            count += 1
            differing += [str(aggregate)][: SHOWN - len(differing)]
    problems = [f"{count} account(s) differ"] if count else []
    for name, key in (("events", "events"), ("last position", "last")):
        if mine[key] != theirs[key]:
            problems.append(f"{name}: {mine[key]} in the source, {theirs[key]} in the copy")
    snapshots, copied = (
        _checksum(source.events(snapshots=True)),
        _checksum(target.events(snapshots=True)),
    )
    if snapshots != copied:
        problems.append(f"snapshots: {snapshots[0]} in the source, {copied[0]} in the copy")
    delivered = source.delivered()
    if delivered != target.delivered():
        problems.append("the delivery positions (kaflow_delivered) differ")
    if chain_head(source) != chain_head(target):
        problems.append("the log's hash chain (kaflow_chain) differs")
    report = {
        "from": safe_url(source.url),
        "to": safe_url(target.url),
        "accounts": mine["accounts"],
        "aggregates": mine["aggregates"],  # the accounts and the user directory
        "events": mine["events"],
        "last_position": mine["last"],
        "snapshots": snapshots[0],
        "delivered": len(delivered),  # notifiers whose position was copied
        "verified": not problems,
    }
    if problems:
        report.update(differences=problems, differing_accounts=differing)
    return report


def _frame(*fields: Any) -> bytes:
    """Fields packed so that no two different rows pack alike."""
    data = [v if isinstance(v, bytes) else str(v).encode() for v in fields]
    return b"".join(struct.pack(">I", len(d)) + d for d in data)


def _digests(
    events: Iterator[Event], tally: dict[str, int], total: int, progress: Progress | None
) -> Iterator[tuple[UUID, bytes]]:
    """Each aggregate's checksum over its events' positions, versions, topics, states."""
    current: UUID | None = None
    digest = hashlib.sha256()
    for position, aggregate, version, topic, state in events:
        if aggregate != current:
            if current is not None:
                yield current, digest.digest()
            current, digest = aggregate, hashlib.sha256()
            tally["aggregates"] += 1
            tally["accounts"] += aggregate != DIRECTORY
        digest.update(_frame(position, version, topic, state))
        tally["events"] += 1
        tally["last"] = max(tally["last"], position)
        if progress and (tally["events"] % BATCH == 0 or tally["events"] == total):
            progress("verifying", tally["events"], total)
    if current is not None:
        yield current, digest.digest()


def _checksum(rows: Iterator[Event]) -> tuple[int, str]:
    digest, count = hashlib.sha256(), 0
    for _, aggregate, version, topic, state in rows:
        digest.update(_frame(aggregate.bytes, version, topic, state))
        count += 1
    return count, digest.hexdigest()
