"""Keeping views up to date with the log, exactly once.

The views live in the store itself (an SQLite store's file, a PostgreSQL store's
database; for ``memory://``, a private in-memory database), with one row per view in
``kaflow_tracking``. Catching up reads the log in batches; each batch is applied in one
write transaction that first re-reads the positions, so two processes catching up at
once never apply an event twice, and a process killed mid-batch leaves the batch wholly
unapplied.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from kaflow.errors import UnavailableError
from kaflow.projections import ForeignTableError, View
from kaflow.projections.accounts import AccountsView
from kaflow.projections.connections import Connections
from kaflow.projections.db import (
    Cursor,
    Database,
    SqliteDatabase,
    errors,
    open_database,
)
from kaflow.projections.deadlines import DeadlinesView
from kaflow.projections.dispatch import Dispatch, check_versions, decoder
from kaflow.projections.imports import ImportsView
from kaflow.projections.ledger import LedgerView
from kaflow.projections.pipeline import PipelineView
from kaflow.storage.errors import refuses_writes

BATCH = 500  # events a catch-up applies per transaction
REBUILD_BATCH = 2000  # a rebuild, which nothing waits on, takes bigger bites
TRACKING = """
CREATE TABLE IF NOT EXISTS kaflow_tracking (
    view TEXT PRIMARY KEY,      -- the view's name
    version INTEGER NOT NULL,   -- the version of the code that built it
    position INTEGER NOT NULL   -- the last position of the log applied to it
)
"""
Progress = Callable[[int, int], None]  # (position reached, head of the log)


def all_views() -> list[View]:
    return [AccountsView(), DeadlinesView(), LedgerView(), PipelineView(), ImportsView()]


class Views:
    """The views of one application's store."""

    def __init__(
        self, app: Any, views: Sequence[View] | None = None, lock_timeout: float = 10
    ) -> None:
        self.app = app  # kept: a dropped application closes its store
        self.views = list(views) if views is not None else all_views()
        self.lock_timeout = lock_timeout
        self._dispatch: Dispatch | None = None  # bound at the first page applied
        # Safe to share between a server's threads: each thread has a connection of its
        # own (kaflow.projections.connections), and the views' in-batch state is only
        # touched by one writing thread at a time (``_writer``).
        self._writer = threading.RLock()
        # Views the store cannot take (a read-only file, a role that may only read), built
        # in memory from the log for this process alone: the store's own are not current.
        self.private = False
        self._retired: list[Connections] = []
        self._connections = Connections(
            lambda: open_database(app, lock_timeout), open_database(app, lock_timeout)
        )
        try:
            self._prepare()
        except errors() as e:
            if not refuses_writes(e):
                raise
            self._go_private()

    def _go_private(self) -> None:
        """The store refuses the views' writes: from now on, views of this process's own,
        in memory, built from the log (read only; a rebuild or a worker is refused). Other
        threads may still be reading through their connections to the store: those are
        closed with the views, not under them."""
        with self._writer:
            if self.private:
                return
            memory = SqliteDatabase(":memory:", self.lock_timeout)
            self._retired.append(self._connections)
            self._connections = Connections(lambda: memory, memory)
            self.private = True
            self._prepare()

    @property
    def database(self) -> Database:
        """This thread's connection to the views' database."""
        return self._connections.get()

    @property
    def db(self) -> Database:
        """For readers: ``db.execute(sql, params)``."""
        return self.database

    def open_connections(self) -> int:
        return self._connections.open_count()

    def close(self) -> None:
        for connections in [*self._retired, self._connections]:
            connections.close()

    def reconnect_if_broken(self) -> None:
        """After an error, a connection the server closed is opened again (a long-running
        process outlives a restart of the database server)."""
        database = self.database
        if not database.broken():
            return
        database.close()
        try:
            fresh = open_database(self.app, self.lock_timeout)
        except errors():
            return  # the server is still away: the closed connection stays, tried next time
        self._connections.replace(fresh)

    # -- transactions ---------------------------------------------------------------

    @contextmanager
    def writing(self) -> Iterator[Any]:
        """One write transaction, with the views' lock (one writer at a time)."""
        with self._writer, self.database.writing() as cursor:
            yield cursor

    def reading(self) -> Any:
        """One consistent snapshot of the views."""
        return self.database.reading()

    # -- tracking -------------------------------------------------------------------

    def positions(self, cursor: Cursor | None = None) -> dict[str, int]:
        rows = (cursor or self.db).execute("SELECT view, version, position FROM kaflow_tracking")
        recorded = {row["view"]: (row["version"], row["position"]) for row in rows}
        return {v.name: recorded[v.name][1] for v in self.views if v.name in recorded}

    def _prepare(self) -> None:
        """Create the views that are missing, and rebuild from zero any built by another
        version of their code; without taking the write lock when all is in order."""
        if self._current():
            return
        with self.writing() as cursor:
            self.database.script(cursor, TRACKING)
            for view in self.views:
                row = cursor.execute(
                    "SELECT version FROM kaflow_tracking WHERE view = ?", (view.name,)
                ).fetchone()
                if row is None:
                    self._refuse_foreign(view)
                if row is None or row["version"] != view.version:
                    self._reset(cursor, view)

    def _refuse_foreign(self, view: View) -> None:
        """A view kaflow has not built yet: its tables must not be someone else's (a
        shared database), since building it drops them first."""
        taken = [t for t in (*view.tables, *view.sql_views) if self.database.has_table(t)]
        if taken:
            raise ForeignTableError(
                f"the store holds table(s) {', '.join(taken)} that kaflow did not make, and "
                f"needs those names for its '{view.name}' view: give kaflow a database of "
                "its own (nothing was changed)"
            )

    def _current(self) -> bool:
        if not self.database.has_table("kaflow_tracking"):
            return False
        rows = self.db.execute("SELECT view, version FROM kaflow_tracking").fetchall()
        versions = {row["view"]: row["version"] for row in rows}
        return all(versions.get(v.name) == v.version for v in self.views)

    def _reset(self, cursor: Cursor, view: View) -> None:
        self.database.resetting(cursor)
        for sql_view in view.sql_views:
            cursor.execute(f"DROP VIEW IF EXISTS {sql_view}")
        for table in (*view.tables, *view.retired):
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
        self.database.script(cursor, view.schema)
        cursor.execute(
            "INSERT INTO kaflow_tracking VALUES (?, ?, 0) ON CONFLICT (view) "
            "DO UPDATE SET version = excluded.version, position = 0",
            (view.name, view.version),
        )

    # -- catching up ----------------------------------------------------------------

    def head(self) -> int:
        return int(self.app.recorder.max_notification_id() or 0)

    def topics(self) -> list[str]:
        return sorted({t for v in self.views for t in v.topics()})

    def catch_up(self, batch: int = BATCH, progress: Progress | None = None) -> int:
        """Apply every event recorded since each view's position; the number of updates.

        Each batch is applied in a write transaction that re-reads the positions: a view
        another process moved on is skipped where it is ahead, and if one was moved back
        (rebuilt meanwhile), the batch is dropped and reading starts again from there.
        """
        try:
            return self._catch_up(batch, progress)
        except errors() as e:
            if self.private or not refuses_writes(e):
                raise
        self._go_private()  # behind, and the store takes no writes: built here instead
        return self._catch_up(batch, progress)

    def _catch_up(self, batch: int, progress: Progress | None) -> int:
        head = self.head()
        topics = self.topics()
        applied = 0
        start = min(self.positions().values(), default=head) + 1
        while start <= head:
            page = self.app.recorder.select_notifications(
                start, limit=batch, stop=head, topics=topics
            )
            end = page[-1].id if len(page) == batch else head
            done = self.apply(page, start, end)
            if done is None:  # a view was reset meanwhile: read again from there
                start = min(self.positions().values()) + 1
                continue
            applied += done
            if progress is not None:
                progress(end, head)
            start = end + 1
        return applied

    def apply(self, page: Sequence[Any], start: int, end: int) -> int | None:
        """Apply a page of the log, read from position ``start`` up to ``end``, in one
        write transaction; the number of updates, or None (nothing applied) if a view
        was reset to before ``start`` meanwhile. Events no view reads are passed over."""
        if self._dispatch is None:
            self._dispatch = Dispatch(self.views, self.topics())
        with self.writing() as cursor:
            check_versions(cursor, self.views)
            positions = self.positions(cursor)
            if min(positions.values()) < start - 1:
                return None
            for view in self.views:
                view.discard()
            applied = self._dispatch.apply(cursor, page, positions, decoder(self.app))
            for view in self.views:
                view.flush(cursor)
            for view in self.views:
                if positions[view.name] < end:
                    cursor.execute(
                        "UPDATE kaflow_tracking SET position = ? WHERE view = ?",
                        (end, view.name),
                    )
        return applied

    def rebuild(self, names: Sequence[str] = (), progress: Progress | None = None) -> int:
        """Drop the named views (default: all) and build them again from the whole log."""
        if self.private:
            raise UnavailableError(
                "the store is read-only for this user: its views cannot be rebuilt here"
            )
        chosen = [v for v in self.views if not names or v.name in names]
        with self.writing() as cursor:
            for view in chosen:
                self._reset(cursor, view)
        self.database.bulk(True)
        try:
            return self.catch_up(batch=REBUILD_BATCH, progress=progress)
        finally:
            self.database.bulk(False)

    def status(self) -> list[dict[str, Any]]:
        head = self.head()
        positions = self.positions()
        return [
            {
                "view": v.name,
                "tables": list(v.tables),
                "position": positions[v.name],
                "head": head,
                "behind": head - positions[v.name],
            }
            for v in self.views
        ]
