"""The log's chain read back and checked, and its signed checkpoints (docs/audit.md).

A checkpoint is a signature (Ed25519) over a position of the log and the chain's link
there, with the time it was made: anyone holding it (kept apart from the store, mailed,
printed) can later tell whether the log up to that position is still the one signed,
even if whoever rewrote the log rewrote the chain with it. Checkpoints are kept in the
store too (``kaflow_checkpoints``), with the workspace's public keys
(``kaflow_audit_keys``); the private key never is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from kaflow.storage import chain
from kaflow.storage.checkpoints import (
    Checkpoint,
    message,
    new_key,
    public_key_of,
    read_checkpoint,
    sign,
)

CHECKPOINTS = "kaflow_checkpoints"
KEYS = "kaflow_audit_keys"
BATCH = 2000
Progress = Callable[[int, int], None]  # done, total


def side_tables(checkpoints: str = CHECKPOINTS, keys: str = KEYS) -> list[str]:
    """The checkpoints' and public keys' tables."""
    return [
        f"CREATE TABLE IF NOT EXISTS {checkpoints} (position BIGINT NOT NULL, "
        "hash TEXT NOT NULL, at TEXT NOT NULL, public_key TEXT NOT NULL, "
        "signature TEXT NOT NULL, PRIMARY KEY (position, at))",
        f"CREATE TABLE IF NOT EXISTS {keys} (public_key TEXT PRIMARY KEY, "
        "created_at TEXT NOT NULL, unused TEXT)",
    ]


class Log:
    """The log of one store, its chain and checkpoints, read and written through the
    library's datastore (each call its own transaction)."""

    def __init__(self, recorder: Any, engine: str) -> None:
        self.recorder = recorder
        self.engine = engine
        table = recorder.events_table_name
        if engine == "postgresql":
            schema = recorder.datastore.schema or "public"
            self.dialect = chain.Dialect(
                engine, f'"{schema}"."{table}"', f'"{schema}".{chain.TABLE}'
            )
            self.checkpoints, self.keys = f'"{schema}".{CHECKPOINTS}', f'"{schema}".{KEYS}'
        else:
            self.dialect = chain.Dialect(engine, table)
            self.checkpoints, self.keys = CHECKPOINTS, KEYS
        self.create = [self.dialect.create, *side_tables(self.checkpoints, self.keys)]

    def _rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        try:
            with self.recorder.datastore.transaction(commit=False) as cursor:
                cursor.execute(self.dialect.sql(sql), params)
                return [chain._row(r) for r in cursor.fetchall()]
        except Exception as error:
            if "no such table" in str(error) or "does not exist" in str(error):
                return []
            raise

    def _write(self, statements: list[tuple[str, tuple[Any, ...]]], lock: bool = False) -> Any:
        with self.recorder.datastore.transaction(commit=True) as cursor:
            for create in self.create:
                cursor.execute(create)
            if lock and self.engine == "postgresql":
                for statement in self.recorder.lock_table_statements:
                    cursor.execute(statement)
            for sql, params in statements:
                cursor.execute(self.dialect.sql(sql), params)
            return cursor

    # -- the chain --------------------------------------------------------------------

    def last_position(self) -> int:
        found = self._rows(f"SELECT max({self.dialect.position}) FROM {self.dialect.events_table}")
        return int(found[0][0] or 0) if found else 0

    def head(self) -> tuple[int, bytes]:
        found = self._rows(
            f"SELECT position, hash FROM {self.dialect.table} ORDER BY position DESC LIMIT 1"
        )
        return (int(found[0][0]), bytes(found[0][1])) if found else (0, chain.GENESIS)

    def link_before(self, position: int) -> tuple[int, bytes]:
        """The chain's last link at or before ``position``: (its position, link)."""
        found = self._rows(
            f"SELECT position, hash FROM {self.dialect.table} WHERE position <= ? "
            "ORDER BY position DESC LIMIT 1",
            (position,),
        )
        return (int(found[0][0]), bytes(found[0][1])) if found else (0, chain.GENESIS)

    def link_at(self, position: int) -> bytes | None:
        found = self._rows(f"SELECT hash FROM {self.dialect.table} WHERE position = ?", (position,))
        return bytes(found[0][0]) if found else None

    def catch_up(self) -> int:
        """Chain the events stored without it (before the chain existed): how many."""
        with self.recorder.datastore.transaction(commit=True) as cursor:
            for create in self.create:
                cursor.execute(create)
            if self.engine == "postgresql":
                for statement in self.recorder.lock_table_statements:
                    cursor.execute(statement)
            after, previous = chain.last_link(cursor, self.dialect)
            cursor.execute(
                self.dialect.sql(
                    f"SELECT {self.dialect.position}, originator_id, originator_version, topic, "
                    f"state FROM {self.dialect.events_table} WHERE {self.dialect.position} > ? "
                    f"ORDER BY {self.dialect.position}"
                ),
                (after,),
            )
            behind = [chain._row(r) for r in cursor.fetchall()]
            login = ""
            if self.engine == "postgresql":
                cursor.execute("SELECT session_user AS login")
                login = str(chain._row(cursor.fetchall()[0])[0])
            made = chain.links(previous, behind, login)
            cursor.executemany(
                self.dialect.sql(
                    f"INSERT INTO {self.dialect.table} (position, digest, hash, login) "
                    "VALUES (?,?,?,?)"
                ),
                [(k.position, k.digest, k.hash, k.login) for k in made],
            )
            return len(made)

    def events(self, after: int = 0) -> Iterator[chain.Stored]:
        position = after
        while True:
            found = self.recorder.select_notifications(
                position, limit=BATCH, inclusive_of_start=False
            )
            for n in found:
                yield n.id, n.originator_id, n.originator_version, n.topic, bytes(n.state)
            if len(found) < BATCH:
                return
            position = found[-1].id

    def links(self, after: int = 0) -> Iterator[chain.Link]:
        position = after
        while True:
            found = self._rows(
                f"SELECT position, digest, hash, login FROM {self.dialect.table} "
                f"WHERE position > ? ORDER BY position LIMIT {BATCH}",
                (position,),
            )
            for p, d, h, login in found:
                yield chain.Link(int(p), bytes(d), bytes(h), str(login))
            if len(found) < BATCH:
                return
            position = int(found[-1][0])

    def position_of(self, event_digest: bytes) -> int | None:
        found = self._rows(
            f"SELECT position FROM {self.dialect.table} WHERE digest = ? ORDER BY position LIMIT 1",
            (event_digest,),
        )
        return int(found[0][0]) if found else None

    def walk(
        self, wanted: set[int], progress: Progress | None = None
    ) -> tuple[chain.Walk, dict[int, bytes]]:
        total = self.last_position()
        found: dict[int, bytes] = {}
        events = self.events()
        if progress is not None:
            events = _counted(events, total, progress)
        result = chain.walk(
            events, self.links(), wanted=wanted, found=found, elsewhere=self.position_of
        )
        return result, found

    # -- checkpoints and keys -----------------------------------------------------------

    def add_checkpoint(self, point: Checkpoint) -> None:
        self._write(
            [
                (
                    f"INSERT INTO {self.checkpoints} VALUES (?, ?, ?, ?, ?)",
                    (point.position, point.hash, point.at, point.public_key, point.signature),
                )
            ]
        )

    def stored_checkpoints(self) -> list[Checkpoint]:
        rows = self._rows(
            f"SELECT position, hash, at, public_key, signature FROM {self.checkpoints} "
            "ORDER BY position, at"
        )
        return [Checkpoint(int(p), str(h), str(a), str(k), str(s)) for p, h, a, k, s in rows]

    def add_key(self, public_key: str, at: datetime) -> None:
        conflict = "ON CONFLICT (public_key) DO NOTHING"
        self._write(
            [
                (
                    f"INSERT INTO {self.keys} VALUES (?, ?, NULL) {conflict}",
                    (public_key, at.isoformat()),
                )
            ]
        )

    def public_keys(self) -> list[tuple[str, str]]:
        rows = self._rows(f"SELECT public_key, created_at FROM {self.keys} ORDER BY created_at")
        return [(str(k), str(c)) for k, c in rows]


def _counted(
    events: Iterator[chain.Stored], total: int, progress: Progress
) -> Iterator[chain.Stored]:
    for done, event in enumerate(events, 1):
        if done % BATCH == 0:
            progress(event[0], total)
        yield event
    progress(total, total)


__all__ = [
    "CHECKPOINTS",
    "KEYS",
    "Checkpoint",
    "Log",
    "message",
    "new_key",
    "public_key_of",
    "read_checkpoint",
    "side_tables",
    "sign",
]
