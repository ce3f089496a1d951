"""Stores named by URL, turned into the eventsourcing library's settings.

``sqlite:///kaflow.db`` (relative to the workspace), ``sqlite:////abs/path.db`` and
``memory://`` (nothing kept; for tests). Back-ends are imported lazily by the library.
"""

from __future__ import annotations

import os
import sqlite3
from typing import Any

from kaflow.errors import WorkspaceError

SQLITE_PREFIX = "sqlite:///"


def sqlite_path(url: str, root: str | os.PathLike[str]) -> str | None:
    if not url.startswith(SQLITE_PREFIX):
        return None
    return os.path.join(root, url[len(SQLITE_PREFIX) :])  # an absolute path stays itself


def store_env(
    url: str, root: str | os.PathLike[str], *, create: bool = False, lock_timeout: int = 10
) -> dict[str, str]:
    path = sqlite_path(url, root)
    if path is not None:
        if not create and not os.path.exists(path):
            raise WorkspaceError(f"store {path} does not exist (run 'kaflow init' to create it)")
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": path,
            "SQLITE_LOCK_TIMEOUT": str(lock_timeout),
        }
    if url == "memory://":
        return {"PERSISTENCE_MODULE": "eventsourcing.popo"}
    if url.startswith(("postgresql://", "postgres://")):
        raise WorkspaceError("PostgreSQL stores are not supported by this version of kaflow yet")
    raise WorkspaceError(f"unknown store URL (expected sqlite:///PATH or memory://): {_safe(url)}")


def _safe(url: str) -> str:
    """The URL without any password."""
    scheme, sep, rest = url.partition("://")
    if "@" in rest:
        rest = "***@" + rest.split("@", 1)[1]
    return scheme + sep + rest


def originators_with_prefix(recorder: Any, prefix: str, topic: str, limit: int) -> list[str]:
    """Hex ids of aggregates first recorded with ``topic`` whose id starts with ``prefix``.

    On SQLite this is a range scan of the primary key; elsewhere a scan of the log.
    """
    datastore = getattr(recorder, "datastore", None)
    if datastore is not None and hasattr(datastore, "pool"):
        return _sqlite_prefix(recorder, prefix, topic, limit)
    found: list[str] = []
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
        "AND topic = ? LIMIT ?"
    )
    try:
        with recorder.datastore.transaction(commit=False) as c:
            c.execute(sql, (prefix, prefix + "g", topic, limit))
            return [str(row[0]) for row in c.fetchall()]
    except sqlite3.Error as e:  # pragma: no cover - a damaged store
        raise WorkspaceError(f"cannot read the store: {e}") from None


def notifications_with_topic(recorder: Any, *topics: str, batch: int = 500) -> Any:
    """Every notification of the given topics, in log order, read in batches."""
    start = 1
    while True:
        page = recorder.select_notifications(start, limit=batch, topics=list(topics))
        yield from page
        if len(page) < batch:
            return
        start = page[-1].id + 1
