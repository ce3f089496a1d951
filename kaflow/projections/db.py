"""The views' database: the store's own, SQLite or PostgreSQL, behind one small interface.

Views, reports and the scheduler write SQL once, in the dialect both engines share:
``?`` placeholders, ``INSERT … ON CONFLICT … DO UPDATE``, window functions, partial
indexes. What differs is here: how a write transaction takes the views' lock, how a
reader gets one snapshot, and (on PostgreSQL) the column types: ``REAL`` becomes double
precision (epoch seconds need it), ``INTEGER`` 64 bits and ``TEXT`` compares byte by byte
(``COLLATE "C"``), as it does on SQLite, so that every ordering is the same on both.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from functools import lru_cache
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


class Row(tuple[Any, ...]):
    """A row read by position, by column name, or turned into a dict (as sqlite3.Row)."""

    _names: tuple[str, ...] = ()
    _index: dict[str, int] = {}  # noqa: RUF012 - set per result by the factory

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, self._index[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> tuple[str, ...]:
        return self._names


class PostgresDatabase:
    """The views in the store's PostgreSQL database, on a connection of their own."""

    kind = "postgresql"

    def __init__(self, params: dict[str, Any], lock_timeout: float, schema: str) -> None:
        import psycopg

        params = {k: v for k, v in params.items() if k not in ("row_factory", "options")}
        # The views beside the log, in the library's schema: not in a schema that the
        # role's own name picks out first ("$user", public), which differs by role. No
        # statement waits for a lock longer than lock_timeout (a log held by VACUUM FULL).
        timeout = max(1, int(lock_timeout * 1000))
        self.db = psycopg.connect(
            **params,
            autocommit=True,
            row_factory=_row_factory,
            options=f"-c search_path={schema} -c lock_timeout={timeout}ms",
        )
        self.db.execute("SET idle_in_transaction_session_timeout = 0")

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return PgCursor(self.db.cursor()).execute(sql, params)

    @contextmanager
    def _transaction(self, begin: str, lock: bool) -> Iterator[PgCursor]:
        cursor = PgCursor(self.db.cursor())
        cursor.execute(begin)
        try:
            if lock:  # the views' lock, held to the end of the transaction
                cursor.execute(f"SELECT pg_advisory_xact_lock({VIEWS_LOCK})")
            yield cursor
        except BaseException:
            with suppress(Exception):  # a broken connection: the server rolled back
                cursor.execute("ROLLBACK")
            raise
        cursor.execute("COMMIT")

    def writing(self) -> Any:
        """One write transaction, holding the views' lock: one writer at a time, and it
        reads what the writer before it committed."""
        return self._transaction("BEGIN", lock=True)

    @contextmanager
    def reading(self) -> Iterator[PgCursor]:
        """One consistent snapshot of the views. Tables dropped and made anew (a rebuild)
        would look empty to a snapshot taken before: readers hold a shared lock, taken
        before their snapshot begins, that a rebuild's reset takes alone."""
        self.db.execute(f"SELECT pg_advisory_lock_shared({RESET_LOCK})")
        try:
            with self._transaction(
                "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", lock=False
            ) as cursor:
                yield cursor
        finally:
            with suppress(Exception):  # a broken connection released it with the session
                self.db.execute(f"SELECT pg_advisory_unlock_shared({RESET_LOCK})")

    def resetting(self, cursor: Any) -> None:
        """Before a view's tables are dropped: wait for the readers under way, and keep
        new ones out until this transaction ends."""
        cursor.execute(f"SELECT pg_advisory_xact_lock({RESET_LOCK})")

    @contextmanager
    def exclusive(self, key: int) -> Iterator[None]:
        """An advisory lock held across transactions, by this connection, until released:
        one process at a time, whatever machine it runs on."""
        self.db.execute("SELECT pg_advisory_lock(%s)", (key,))
        try:
            yield
        finally:
            with suppress(Exception):  # a broken connection released it with the session
                self.db.execute("SELECT pg_advisory_unlock(%s)", (key,))

    def has_table(self, name: str) -> bool:
        row = self.db.execute("SELECT to_regclass(%s) IS NOT NULL", (name,)).fetchone()
        return bool(row and row[0])

    def script(self, cursor: Any, schema: str) -> None:
        cursor.execute(postgres_schema(schema))

    def bulk(self, on: bool) -> None:
        pass

    def broken(self) -> bool:
        return bool(self.db.closed or self.db.broken)

    def close(self) -> None:
        self.db.close()


class PgCursor:
    """A psycopg cursor that takes the shared dialect's ``?`` placeholders."""

    def __init__(self, cursor: Any) -> None:
        self.cursor = cursor

    @property
    def description(self) -> Any:
        return self.cursor.description

    def execute(self, sql: str, params: Sequence[Any] = ()) -> PgCursor:
        if params:
            self.cursor.execute(placeholders(sql), tuple(params))
        else:
            self.cursor.execute(sql)
        return self

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> PgCursor:
        if rows:
            self.cursor.executemany(placeholders(sql), rows)
        return self

    def fetchone(self) -> Any:
        return self.cursor.fetchone()

    def fetchall(self) -> list[Any]:
        return list(self.cursor.fetchall())

    def __iter__(self) -> Iterator[Any]:
        return iter(self.cursor.fetchall() if self.cursor.description else ())


@lru_cache(maxsize=512)
def placeholders(sql: str) -> str:
    """``?`` to ``%s`` outside quoted text; a literal ``%`` doubled."""
    parts = re.split(r"('(?:[^']|'')*')", sql)
    for i in range(0, len(parts), 2):
        parts[i] = parts[i].replace("%", "%%").replace("?", "%s")
    for i in range(1, len(parts), 2):
        parts[i] = parts[i].replace("%", "%%")
    return "".join(parts)


_TYPES = [
    (re.compile(r"\bREAL\b"), "DOUBLE PRECISION"),
    (re.compile(r"\bINTEGER\b"), "BIGINT"),
    (re.compile(r"\bTEXT\b"), 'TEXT COLLATE "C"'),
]


def postgres_schema(schema: str) -> str:
    """A view's CREATE statements as PostgreSQL needs them (comments stay as they are)."""
    lines = []
    for line in schema.splitlines():
        code, dashes, comment = line.partition("--")
        for pattern, replacement in _TYPES:
            code = pattern.sub(replacement, code)
        lines.append(code + dashes + comment)
    return "\n".join(lines)


def _row_factory(cursor: Any) -> Any:
    description = cursor.description
    if description is None:
        return tuple
    cls = _row_class(tuple(d.name for d in description))

    def make(values: Sequence[Any]) -> Row:
        row: Row = cls(values)
        return row

    return make


@lru_cache(maxsize=256)
def _row_class(names: tuple[str, ...]) -> type[Row]:
    """One class per set of columns, made once (queries repeat; each runs often)."""
    index = {name: i for i, name in reversed(list(enumerate(names)))}
    return type("Row", (Row,), {"_names": names, "_index": index, "__slots__": ()})


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
        return PostgresDatabase(dict(datastore.pool.kwargs), lock_timeout, datastore.schema)
    return SqliteDatabase(":memory:", lock_timeout)
