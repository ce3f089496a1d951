"""The views' database on PostgreSQL: a connection of their own, the shared dialect's ``?``
placeholders turned into psycopg's, and the column types PostgreSQL needs (``REAL`` as
double precision, ``INTEGER`` 64 bits, ``TEXT`` compared byte by byte as on SQLite).

Imported only for a store on a server; psycopg itself only when a connection is opened.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from functools import lru_cache
from typing import Any

from kaflow.projections.db import RESET_LOCK, VIEWS_LOCK


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
