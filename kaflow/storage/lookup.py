"""Aggregates found by the first digits of their id, on each engine: a range scan of the
log's primary key (in memory, a scan of the log)."""

from __future__ import annotations

import sqlite3
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from kaflow.errors import WorkspaceError


def originators_with_prefix(app: Any, prefix: str, topic: str, limit: int) -> list[str]:
    """Hex ids of aggregates first recorded with ``topic`` whose id starts with ``prefix``.

    A range scan of the primary key; in memory, a scan of the log.
    """
    from kaflow.projections.db import engine_of

    recorder, engine = app.recorder, engine_of(app)
    if engine == "sqlite":
        return _sqlite_prefix(recorder, prefix, topic, limit)
    if engine == "postgresql":
        return _postgres_prefix(recorder, prefix, topic, limit)
    found: list[str] = []
    from kaflow.projections.log import notifications_with_topic

    for notification in notifications_with_topic(recorder, topic):
        hex_id = notification.originator_id.hex
        if hex_id.startswith(prefix):
            found.append(hex_id)
            if len(found) >= limit:
                break
    return found


def _sqlite_prefix(recorder: Any, prefix: str, topic: str, limit: int) -> list[str]:
    sql = (
        f"SELECT originator_id FROM {recorder.events_table_name} "
        "WHERE originator_id >= ? AND originator_id < ? AND originator_version = 1 "
        "AND topic = ? ORDER BY originator_id LIMIT ?"
    )
    try:
        with recorder.datastore.transaction(commit=False) as c:
            c.execute(sql, (prefix, prefix + "g", topic, limit))
            return [str(row[0]) for row in c.fetchall()]
    except sqlite3.Error as e:  # pragma: no cover - a damaged store
        raise WorkspaceError(f"cannot read the store: {e}") from None


def _postgres_prefix(recorder: Any, prefix: str, topic: str, limit: int) -> list[str]:
    """A range scan of the primary key: ids are UUIDs, which order as their hex digits."""
    if len(prefix) > 32 or any(c not in "0123456789abcdef" for c in prefix):
        return []  # no id starts so
    low = prefix.ljust(32, "0")
    high = prefix.ljust(32, "f")
    sql = (
        f'SELECT originator_id FROM "{recorder.datastore.schema}"."{recorder.events_table_name}" '
        "WHERE originator_id BETWEEN %s::uuid AND %s::uuid AND originator_version = 1 "
        "AND topic = %s ORDER BY originator_id LIMIT %s"
    )
    with recorder.datastore.transaction(commit=False) as c:
        c.execute(sql, (low, high, topic, limit))
        return [row["originator_id"].hex for row in c.fetchall()]


def latest_with_topic(app: Any, originator_id: UUID, topic: str) -> StoredEvent | None:
    """An aggregate's latest event recorded with ``topic``, as stored (not decoded); None
    if it has none. One indexed read of its events on either engine (the topic is kept
    in clear), however many it has; None in memory (the caller reads them instead)."""
    from kaflow.projections.db import engine_of

    recorder, engine = app.recorder, engine_of(app)
    if engine == "sqlite":
        sql = (
            f"SELECT originator_version, state FROM {recorder.events_table_name} "
            "WHERE originator_id = ? AND topic = ? ORDER BY originator_version DESC LIMIT 1"
        )
        try:
            with recorder.datastore.transaction(commit=False) as c:
                c.execute(sql, (originator_id.hex, topic))
                row = c.fetchone()
        except sqlite3.Error as e:  # pragma: no cover - a damaged store
            raise WorkspaceError(f"cannot read the store: {e}") from None
    elif engine == "postgresql":
        sql = (
            "SELECT originator_version, state "
            f'FROM "{recorder.datastore.schema}"."{recorder.events_table_name}" '
            "WHERE originator_id = %s AND topic = %s ORDER BY originator_version DESC LIMIT 1"
        )
        with recorder.datastore.transaction(commit=False) as c:
            c.execute(sql, (originator_id, topic))
            row = c.fetchone()
    else:
        return None
    if row is None:
        return None
    return StoredEvent(originator_id, row["originator_version"], topic, bytes(row["state"]))
