"""The views' database: the store's own, SQLite or PostgreSQL, behind one small interface.

Views, reports and the scheduler write SQL once, in the dialect both engines share:
``?`` placeholders, ``INSERT … ON CONFLICT … DO UPDATE``, window functions, partial
indexes. What differs is here: how a write transaction takes the views' lock, how a
reader gets one snapshot, and (on PostgreSQL) the column types: ``REAL`` becomes double
precision (epoch seconds need it), ``INTEGER`` 64 bits and ``TEXT`` compares byte by byte
(``COLLATE "C"``), as it does on SQLite, so that every ordering is the same on both.
The PostgreSQL side is ``kaflow.projections.pg``, imported only for a store on a server.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

# How far each notifier delivered, by log position: beside the views, kept by the
# scheduler (kaflow.scheduling.tick.DeliveredIn) and carried over by ``kaflow store copy``.
DELIVERED_TABLE = (
    "CREATE TABLE IF NOT EXISTS kaflow_delivered "
    "(notifier TEXT PRIMARY KEY, position INTEGER NOT NULL)"
)
VIEWS_LOCK = 0x6B61666C6F77  # "kaflow": the advisory lock that serialises view writers
DELIVERY_LOCK = VIEWS_LOCK + 1  # held while notices are delivered
RESET_LOCK = VIEWS_LOCK + 2  # shared by readers; a view's tables are dropped holding it alone


class Cursor(Protocol):
    description: Any

    def execute(self, sql: str, params: Sequence[Any] = ...) -> Any: ...
    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> Any: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...
    def __iter__(self) -> Iterator[Any]: ...


class Database(Protocol):
    kind: str  # "sqlite" | "postgresql"

    def execute(self, sql: str, params: Sequence[Any] = ...) -> Any: ...
    def writing(self) -> Any: ...
    def reading(self) -> Any: ...
    def has_table(self, name: str) -> bool: ...
    def script(self, cursor: Any, schema: str) -> None: ...
    def exclusive(self, key: int) -> Any: ...
    def resetting(self, cursor: Any) -> None: ...
    def bulk(self, on: bool) -> None: ...
    def broken(self) -> bool: ...
    def close(self) -> None: ...


class SqliteDatabase:
    """The views in the store's SQLite file (or a private in-memory database)."""

    kind = "sqlite"

    def __init__(self, path: str, lock_timeout: float) -> None:
        self.path = path  # a file, or a URI (``file:…?mode=ro``: a store that is read-only)
        self.db = sqlite3.connect(
            path,
            isolation_level=None,
            timeout=lock_timeout,
            check_same_thread=False,
            uri=path.startswith("file:"),
        )
        self.db.row_factory = sqlite3.Row
        # The store runs in WAL mode: without a sync at every commit a crash of this
        # process still leaves each batch wholly applied or not at all; only the loss of
        # power could drop the last batches, and catching up applies them again.
        self.db.execute("PRAGMA synchronous = NORMAL")
        self.db.execute("PRAGMA cache_size = -32768")  # 32 MiB: big views stay in memory

    def execute(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        return self.db.execute(sql, params)

    @contextmanager
    def writing(self) -> Iterator[sqlite3.Cursor]:
        """One write transaction, taken at once (no upgrade from reading to writing)."""
        cursor = self.db.cursor()
        cursor.execute("BEGIN IMMEDIATE")
        try:
            yield cursor
        except BaseException:
            cursor.execute("ROLLBACK")
            raise
        cursor.execute("COMMIT")

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Cursor]:
        """One consistent snapshot of the views."""
        cursor = self.db.cursor()
        cursor.execute("BEGIN")
        try:
            yield cursor
        finally:
            cursor.execute("COMMIT")

    @contextmanager
    def exclusive(self, key: int) -> Iterator[None]:
        """Held across several transactions, by one process at a time: a lock on a file
        beside the store's (workspaces in two folders may share one store file)."""
        if self.path == ":memory:":
            yield
            return
        import fcntl
        from urllib.parse import unquote

        file = (
            unquote(self.path[5:].partition("?")[0]) if self.path.startswith("file:") else self.path
        )
        with open(f"{file}-lock-{key:x}", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def resetting(self, cursor: Any) -> None:
        """Dropping a view's tables needs no more: SQLite's write lock keeps readers'
        snapshots whole."""

    def has_table(self, name: str) -> bool:
        row = self.db.execute(
            "SELECT 1 FROM sqlite_master WHERE type IN ('table', 'view') AND name = ?", (name,)
        ).fetchone()
        return row is not None

    def script(self, cursor: Any, schema: str) -> None:
        for statement in statements(schema):
            cursor.execute(statement)

    def bulk(self, on: bool) -> None:
        """While a rebuild writes much in one go, fold the write-ahead log into the
        database every 10,000 pages rather than every 1,000 (each time with a sync);
        bounded, so that neither the log on disk nor its index in memory grows."""
        if on:
            self.db.execute("PRAGMA wal_autocheckpoint = 10000")
        else:
            self.db.execute("PRAGMA wal_autocheckpoint = 1000")
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # and give the disk back

    def broken(self) -> bool:
        return False

    def close(self) -> None:
        self.db.close()


def statements(schema: str) -> list[str]:
    """The statements of a schema, split where SQLite says one ends (not at a semicolon
    inside a comment or a string)."""
    found, pending = [], ""
    for piece in schema.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                found.append(pending.strip())
            pending = ""
    return found


def errors() -> tuple[type[Exception], ...]:
    """The errors the views' database may raise (psycopg's only once it is loaded)."""
    import sys

    psycopg = sys.modules.get("psycopg")
    return (sqlite3.Error,) if psycopg is None else (sqlite3.Error, psycopg.Error)


ENGINES = {"eventsourcing.sqlite": "sqlite", "eventsourcing.postgres": "postgresql"}


def engine_of(app: Any) -> str:
    """Which engine an application's store runs on: "sqlite", "postgresql" or "memory",
    as its settings say."""
    return ENGINES.get(str(app.env.get("PERSISTENCE_MODULE", "")), "memory")


def open_database(app: Any, lock_timeout: float) -> Database:
    """The views' database for an application's store."""
    engine = engine_of(app)
    datastore: Any = getattr(app.recorder, "datastore", None)
    if engine == "sqlite":
        return SqliteDatabase(datastore.pool.db_name, lock_timeout)
    if engine == "postgresql":
        from kaflow.projections.pg import PostgresDatabase

        return PostgresDatabase(dict(datastore.pool.kwargs), lock_timeout, datastore.schema)
    return SqliteDatabase(":memory:", lock_timeout)
