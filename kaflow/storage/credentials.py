"""The tables beside the log that a server signs people in with: password hashes (Argon2),
API tokens' digests, browser sessions, failed sign-ins (for throttling), the
idempotency keys of requests and each user's preferences (the pages' language). Never
in the log: a secret there could not be replaced or destroyed. On the store's own
database (SQLite or PostgreSQL), through the library's datastore; an in-memory store
keeps them in an SQLite database of its own."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

PASSWORDS = "kaflow_passwords"
TOKENS = "kaflow_tokens"
SESSIONS = "kaflow_sessions"
FAILURES = "kaflow_sign_in_failures"
IDEMPOTENCY = "kaflow_idempotency"
PREFERENCES = "kaflow_preferences"  # each user's own settings: the pages' language
REAL = "DOUBLE PRECISION"  # SQLite reads it as REAL


def create_statements(schema: str = "") -> list[str]:
    """The tables (``schema``: PostgreSQL's, with its dot)."""
    return [
        f"CREATE TABLE IF NOT EXISTS {schema}{PASSWORDS} (user_name TEXT PRIMARY KEY, "
        "hash TEXT NOT NULL, set_at TEXT NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS {schema}{TOKENS} (token_id TEXT PRIMARY KEY, "
        "user_name TEXT NOT NULL, label TEXT NOT NULL, digest TEXT NOT NULL, "
        "read_only INTEGER NOT NULL, created_at TEXT NOT NULL, expires_at TEXT, "
        "revoked_at TEXT)",
        f"CREATE TABLE IF NOT EXISTS {schema}{SESSIONS} (digest TEXT PRIMARY KEY, "
        f"user_name TEXT NOT NULL, csrf TEXT NOT NULL, created_at {REAL} NOT NULL, "
        f"seen_at {REAL} NOT NULL, revoked_at {REAL})",
        f"CREATE TABLE IF NOT EXISTS {schema}{FAILURES} (subject TEXT NOT NULL, "
        f"at {REAL} NOT NULL)",
        f"CREATE INDEX IF NOT EXISTS {FAILURES}_subject ON {schema}{FAILURES} (subject, at)",
        f"CREATE TABLE IF NOT EXISTS {schema}{IDEMPOTENCY} (user_name TEXT NOT NULL, "
        f"idem_key TEXT NOT NULL, fingerprint TEXT NOT NULL, created_at {REAL} NOT NULL, "
        "status INTEGER, body TEXT, PRIMARY KEY (user_name, idem_key))",
        f"CREATE TABLE IF NOT EXISTS {schema}{PREFERENCES} (user_name TEXT PRIMARY KEY, "
        "language TEXT NOT NULL, set_at TEXT NOT NULL)",
    ]


class CredentialTables:
    """SQL against the credential tables; ``?`` marks parameters on every engine, and
    table names are written ``{passwords}``, ``{tokens}`` ... (the schema added)."""

    def __init__(self, app: Any) -> None:
        from kaflow.projections.db import engine_of

        self.engine = engine_of(app)
        datastore: Any = getattr(app.recorder, "datastore", None)
        self._datastore = datastore if self.engine != "memory" else None
        self._memory: sqlite3.Connection | None = None
        self._memory_lock = threading.Lock()
        schema = f'"{datastore.schema}".' if self.engine == "postgresql" else ""
        self.names = {
            "passwords": schema + PASSWORDS,
            "tokens": schema + TOKENS,
            "sessions": schema + SESSIONS,
            "failures": schema + FAILURES,
            "idempotency": schema + IDEMPOTENCY,
            "preferences": schema + PREFERENCES,
        }
        self._schema = schema
        self._ready = False
        self._ready_lock = threading.Lock()

    @contextmanager
    def _cursor(self) -> Iterator[Any]:
        if self._datastore is not None:
            with self._datastore.transaction(commit=True) as cursor:
                yield cursor
            return
        with self._memory_lock:
            if self._memory is None:
                self._memory = sqlite3.connect(":memory:", check_same_thread=False)
            cursor = self._memory.cursor()
            try:
                yield cursor
                self._memory.commit()
            except BaseException:
                self._memory.rollback()
                raise

    def _prepare(self) -> None:
        with self._ready_lock:
            if self._ready:
                return
            with self._cursor() as cursor:
                for statement in create_statements(self._schema):
                    cursor.execute(statement)
            self._ready = True

    def _sql(self, sql: str) -> str:
        sql = sql.format(**self.names)
        return sql.replace("?", "%s") if self.engine == "postgresql" else sql

    def run(self, sql: str, params: tuple[Any, ...] = ()) -> int:
        """A write: how many rows it touched."""
        self._prepare()
        with self._cursor() as cursor:
            cursor.execute(self._sql(sql), params)
            raw = getattr(cursor, "sqlite_cursor", cursor)  # the library's, or psycopg's
            return int(raw.rowcount)

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        self._prepare()
        with self._cursor() as cursor:
            cursor.execute(self._sql(sql), params)
            return [
                tuple(r.values()) if isinstance(r, dict) else tuple(r) for r in cursor.fetchall()
            ]

    def insert_new(self, sql: str, params: tuple[Any, ...]) -> bool:
        """An INSERT that may meet its key already there: whether it was new."""
        return self.run(sql + " ON CONFLICT DO NOTHING", params) == 1
