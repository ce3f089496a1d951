"""One store's rows as they are stored, SQLite or PostgreSQL, on a connection of its
own: what ``kaflow store copy`` reads from one store and writes to another."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from typing import Any
from uuid import UUID

from kaflow.storage.server import CONNECT_TIMEOUT, EVENTS_TABLE, SCHEMA, postgres_params
from kaflow.storage.url import sqlite_path

BATCH = 2000  # rows per write on the target, and per read from a server
DELIVERED = "kaflow_delivered"  # made as kaflow.scheduling.tick.DeliveredIn.set makes it
TRACKING = "kaflow_tracking"  # how far the views got: not copied
COLUMNS = "originator_id, originator_version, topic, state"

Event = tuple[int, UUID, int, str, bytes]  # notification id, aggregate, version, topic, state


class Store:
    """One store, SQLite or PostgreSQL, on a connection of its own."""

    db: Any

    def __init__(self, url: str, root: str, lock_timeout: int) -> None:
        self.url, path = url, sqlite_path(url, root)
        self.pg, self.cursors, self.whole = path is None, 0, False
        if path is None:
            import psycopg

            params: dict[str, Any] = dict(postgres_params(url))
            self.db = psycopg.connect(
                **params,
                connect_timeout=CONNECT_TIMEOUT,
                options=f"-c search_path={SCHEMA}",  # where the log and the views are
            )
            prefix = f"{SCHEMA}." + EVENTS_TABLE.removesuffix("events")
            self.events_table, self.snapshots_table = prefix + "events", prefix + "snapshots"
            self.position = "notification_id"
        else:
            self.db = sqlite3.connect(path, isolation_level=None, timeout=lock_timeout)
            self.events_table, self.snapshots_table = "stored_events", "stored_snapshots"
            self.position = "rowid"

    def rows(self, sql: str) -> Iterator[tuple[Any, ...]]:
        """Streamed: on PostgreSQL by a server-side cursor, in the current transaction."""
        if not self.pg:
            yield from self.db.execute(sql)
            return
        self.cursors += 1
        with self.db.cursor(name=f"kaflow_copy_{self.cursors}") as cursor:
            cursor.itersize = BATCH
            cursor.execute(sql)
            yield from cursor

    def has_table(self, name: str) -> bool:
        sql = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?"
        found = self.db.execute("SELECT to_regclass(%s) IS NOT NULL" if self.pg else sql, (name,))
        return bool(found.fetchone()[0])

    def count(self, table: str) -> int:
        found = self.has_table(table) and self.db.execute(f"SELECT count(*) FROM {table}")
        return int(found.fetchone()[0]) if found else 0

    def hold(self, lock_timeout: int) -> None:
        """Begin the one transaction that every later read sees, writers kept out."""
        tables = [self.events_table, self.snapshots_table, DELIVERED]
        tables = [t for t in tables if self.has_table(t)]
        if not self.pg:
            self.db.execute("BEGIN IMMEDIATE")  # the write lock: one snapshot, no writer
            return
        from psycopg import IsolationLevel

        self.db.rollback()  # out of the transaction that has_table began
        self.db.isolation_level = IsolationLevel.REPEATABLE_READ
        # The snapshot is taken by the first read: after the locks are held.
        self.db.execute(f"SET LOCAL lock_timeout = '{int(lock_timeout)}s'")
        self.db.execute(f"LOCK TABLE {', '.join(tables)} IN SHARE MODE")

    def begin(self) -> None:
        """One transaction for the whole copy, until ``finish``: a copy cut short (an
        error, a signal, a lost connection) leaves nothing behind."""
        if not self.pg:
            self.db.execute("BEGIN IMMEDIATE")
        self.whole = True

    def write(self, sql: str, rows: list[tuple[Any, ...]] | None = None) -> None:
        """One statement, in the copy's transaction or in one of its own: on
        PostgreSQL, ``rows`` by COPY."""
        if self.whole:
            self._run(sql, rows)
            return
        if not self.pg:
            self.db.execute("BEGIN IMMEDIATE")
        try:
            self._run(sql, rows)
        except BaseException:
            self.db.rollback()
            raise
        self.db.commit()

    def _run(self, sql: str, rows: list[tuple[Any, ...]] | None) -> None:
        if rows is None:
            self.db.execute(sql)
        elif not self.pg:
            self.db.executemany(sql, rows)
        else:
            with self.db.cursor() as cursor, cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)

    def insert(self, table: str, columns: str, rows: list[tuple[Any, ...]]) -> None:
        marks = ", ".join(["?"] * len(columns.split(",")))
        copy, insert = f"COPY {table} ({columns}) FROM STDIN", f"VALUES ({marks})"
        self.write(copy if self.pg else f"INSERT INTO {table} ({columns}) {insert}", rows)

    def stored(self, aggregate: UUID) -> Any:
        return aggregate if self.pg else aggregate.hex  # as the library writes it

    def events(self, by_aggregate: bool = False, snapshots: bool = False) -> Iterator[Event]:
        """The log in its order, or each aggregate's; the snapshots (at position 0)."""
        table = self.snapshots_table if snapshots else self.events_table
        if not self.has_table(table):
            return
        order = "originator_id, originator_version"
        order = order if by_aggregate or snapshots else self.position
        sql = f"SELECT {0 if snapshots else self.position}, {COLUMNS} FROM {table} ORDER BY {order}"
        for at, aggregate, version, topic, state in self.rows(sql):
            aggregate = aggregate if isinstance(aggregate, UUID) else UUID(hex=aggregate)
            yield int(at), aggregate, int(version), str(topic), bytes(state)

    def delivered(self) -> list[tuple[str, int]]:
        if not self.has_table(DELIVERED):
            return []
        sql = f"SELECT notifier, position FROM {DELIVERED} ORDER BY notifier"
        return [(str(n), int(p)) for n, p in self.rows(sql)]

    def finish(self, last: int) -> None:
        """Commit the copy; PostgreSQL's appends then continue after ``last``."""
        if self.pg:
            sequence = f"pg_get_serial_sequence('{self.events_table}', '{self.position}')"
            self.db.execute(f"SELECT setval({sequence}, %s)", (max(last, 1),))
        self.db.commit()
        self.whole = False
        if self.pg:
            for table in (self.events_table, self.snapshots_table):
                self.db.execute(f"ANALYZE {table}")  # plans for the rows just written
            self.db.commit()

    def end(self) -> None:
        """End the transaction that ``hold`` began; nothing was written in it."""
        with contextlib.suppress(Exception):
            self.db.rollback()

    def close(self) -> None:
        self.db.close()
