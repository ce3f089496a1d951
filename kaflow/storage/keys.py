"""The accounts' data keys, each wrapped by the workspace's master key, in a table of
their own beside the log (never in it: a key in the log could not be destroyed).
Destroying an account's keys is what erases its personal data: the log keeps only
ciphertext, which without its key is noise.

A key has an id of its own (named in each sealed text) and belongs to an account; an
account erased keeps its rows, without keys, and data recorded for it later is sealed
under a new key."""

from __future__ import annotations

import threading
import weakref
from typing import Any, Protocol

TABLE = "kaflow_data_keys"
# Keys made while a step is prepared, written by the recorder in the transaction that
# records the step (kaflow.storage.sqlite, kaflow.storage.postgres): no commit of their
# own, and no key left behind by a step that was not recorded (the application forgets
# those: ``forget_pending``). Per thread and store: held weakly by the store's datastore
# (never by its id, which a later store may be given).
_pending = threading.local()


def _waiting(datastore: Any) -> list[tuple[str, str, bytes]]:
    found: weakref.WeakKeyDictionary[Any, list[tuple[str, str, bytes]]] | None
    found = getattr(_pending, "keys", None)
    if found is None:
        found = _pending.keys = weakref.WeakKeyDictionary()
    return found.setdefault(datastore, [])


def take_pending(datastore: Any) -> list[tuple[str, str, bytes]]:
    """The keys made for the step being recorded on ``datastore``: written with it."""
    waiting = _waiting(datastore)
    taken = list(waiting)
    waiting.clear()
    return taken


class KeyStore(Protocol):
    def current(self, account: str) -> tuple[str, bytes] | None:
        """The account's key in use (id, wrapped), if it has one not erased."""
        ...

    def get(self, key_id: str) -> bytes | None:
        """A key (wrapped), or None if it was erased (or never was)."""
        ...

    def add(self, key_id: str, account: str, wrapped: bytes) -> None: ...

    def erase(self, account: str) -> int:
        """Destroy every key of the account (its people's too): how many there were."""
        ...

    def holding(self, person: str, erased: bool = False) -> list[str]:
        """The accounts holding keys of the person (by pseudonym): not erased, or all."""
        ...

    def erase_person(self, person: str) -> int:
        """Destroy the person's keys in every account: how many there were."""
        ...

    def held(self, account: str) -> list[str]:
        """The ids of the account's keys not erased."""
        ...

    def all(self) -> list[tuple[str, str, bytes | None]]:
        """Every key: (id, account, wrapped or None if erased)."""
        ...

    def put(self, rows: list[tuple[str, str, bytes | None]]) -> None:
        """Keep these keys as they are (a store's copy)."""
        ...


class MemoryKeys:
    def __init__(self) -> None:
        self._keys: dict[str, tuple[str, bytes | None]] = {}
        self._lock = threading.Lock()

    def current(self, account: str) -> tuple[str, bytes] | None:
        for key_id, (owner, wrapped) in self._keys.items():
            if owner == account and wrapped is not None:
                return key_id, wrapped
        return None

    def get(self, key_id: str) -> bytes | None:
        return self._keys.get(key_id, ("", None))[1]

    def add(self, key_id: str, account: str, wrapped: bytes) -> None:
        with self._lock:
            self._keys.setdefault(key_id, (account, wrapped))

    def erase(self, account: str) -> int:
        return self._erase(lambda scope: scope.split(":")[0] == account)

    def holding(self, person: str, erased: bool = False) -> list[str]:
        found = {
            a[:32] for a, w in self._keys.values() if a.endswith(":" + person) and (w or erased)
        }
        return sorted(found)

    def erase_person(self, person: str) -> int:
        return self._erase(lambda scope: scope.endswith(":" + person))

    def _erase(self, chosen: Any) -> int:
        with self._lock:
            mine = [k for k, (a, w) in self._keys.items() if chosen(a) and w is not None]
            for key_id in mine:
                self._keys[key_id] = (self._keys[key_id][0], None)
        return len(mine)

    def held(self, account: str) -> list[str]:
        return [k for k, (a, w) in self._keys.items() if a == account and w is not None]

    def all(self) -> list[tuple[str, str, bytes | None]]:
        return sorted((k, a, w) for k, (a, w) in self._keys.items())

    def put(self, rows: list[tuple[str, str, bytes | None]]) -> None:
        with self._lock:
            for key_id, account, wrapped in rows:
                self._keys[key_id] = (account, wrapped)


class SqlKeys:
    """On the store's own database (SQLite or PostgreSQL), through the library's
    datastore: a row per key; an erased key keeps its row, without the key."""

    def __init__(self, recorder: Any, engine: str) -> None:
        self.recorder = recorder
        self.engine = engine
        self.mark = "?" if engine == "sqlite" else "%s"
        self.table = TABLE
        if engine == "postgresql":
            self.table = f'"{recorder.datastore.schema}".{TABLE}'
        self._ready = False

    def _run(self, sql: str, params: tuple[Any, ...] = (), fetch: bool = False) -> Any:
        if not self._ready:
            self._ready = True
            try:
                self._run(create_statement(self.engine, self.table))
                self._run(index_statement(self.table))
            except Exception as error:
                # A store opened read-only is read as it is; a table its owner made (for
                # a runtime role that may not alter it: kaflow.storage.protect) is used.
                if not _read_only(error) and "owner" not in str(error):
                    raise
        sql = sql.replace("?", self.mark)
        try:
            # A read takes no write lock and commits nothing (no wait on the disk).
            with self.recorder.datastore.transaction(commit=not fetch) as cursor:
                if self.engine == "sqlite" and not fetch:
                    cursor.execute("PRAGMA secure_delete = ON")  # a key erased is overwritten
                cursor.execute(sql, params)
                if fetch:
                    return [
                        tuple(r.values()) if isinstance(r, dict) else tuple(r)
                        for r in cursor.fetchall()
                    ]
                raw = getattr(cursor, "sqlite_cursor", cursor)  # the library's, or psycopg's
                return raw.rowcount
        except Exception as error:
            if fetch and _missing(error):  # no key was ever made in this store
                return []
            raise

    def current(self, account: str) -> tuple[str, bytes] | None:
        for key_id, owner, wrapped in _waiting(self.recorder.datastore):
            if owner == account:
                return key_id, wrapped
        rows = self._run(
            f"SELECT key_id, wrapped FROM {self.table} WHERE account_id = ? "
            "AND wrapped IS NOT NULL ORDER BY key_id LIMIT 1",
            (account,),
            True,
        )
        return (rows[0][0], bytes(rows[0][1])) if rows else None

    def _stored(self, key_id: str) -> bytes | None:
        rows = self._run(f"SELECT wrapped FROM {self.table} WHERE key_id = ?", (key_id,), True)
        return bytes(rows[0][0]) if rows and rows[0][0] is not None else None

    def add(self, key_id: str, account: str, wrapped: bytes) -> None:
        """Kept to be written with the step being recorded (see ``take_pending``)."""
        _waiting(self.recorder.datastore).append((key_id, account, wrapped))

    def forget_pending(self) -> None:
        """The keys made for steps this thread did not record: never written."""
        take_pending(self.recorder.datastore)

    def get(self, key_id: str) -> bytes | None:
        for waiting, _, wrapped in _waiting(self.recorder.datastore):
            if waiting == key_id:
                return wrapped
        return self._stored(key_id)

    def erase(self, account: str) -> int:
        return self._erase("(account_id = ? OR account_id LIKE ?)", (account, account + ":%"))

    def holding(self, person: str, erased: bool = False) -> list[str]:
        kept = "" if erased else " AND wrapped IS NOT NULL"
        rows = self._run(
            f"SELECT DISTINCT substr(account_id, 1, 32) FROM {self.table} "
            f"WHERE account_id LIKE ?{kept} ORDER BY 1",
            ("%:" + person,),
            True,
        )
        return [r[0] for r in rows]

    def erase_person(self, person: str) -> int:
        return self._erase("account_id LIKE ?", ("%:" + person,))

    def _erase(self, where: str, params: tuple[Any, ...]) -> int:
        count = int(
            self._run(
                f"UPDATE {self.table} SET wrapped = NULL WHERE {where} AND wrapped IS NOT NULL",
                params,
            )
        )
        if self.engine == "sqlite":  # fold the write-ahead log in: no old page left there
            with self.recorder.datastore.transaction(commit=False) as cursor:
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return count

    def held(self, account: str) -> list[str]:
        rows = self._run(
            f"SELECT key_id FROM {self.table} WHERE account_id = ? AND wrapped IS NOT NULL "
            "ORDER BY key_id",
            (account,),
            True,
        )
        return [r[0] for r in rows]

    def all(self) -> list[tuple[str, str, bytes | None]]:
        sql = f"SELECT key_id, account_id, wrapped FROM {self.table} ORDER BY 1"
        rows = self._run(sql, (), True)
        return [(r[0], r[1], None if r[2] is None else bytes(r[2])) for r in rows]

    def put(self, rows: list[tuple[str, str, bytes | None]]) -> None:
        for key_id, account, wrapped in rows:
            self._run(
                f"INSERT INTO {self.table} VALUES (?, ?, ?) ON CONFLICT (key_id) "
                "DO UPDATE SET wrapped = excluded.wrapped",
                (key_id, account, wrapped),
            )


def write_pending(cursor: Any, datastore: Any, engine: str, table: str = TABLE) -> None:
    """In the recorder's transaction: the keys made for the step it records."""
    rows = take_pending(datastore)
    if not rows:
        return
    mark = "?" if engine == "sqlite" else "%s"  # the table: made when the key was looked for
    cursor.executemany(
        f"INSERT INTO {table} VALUES ({mark}, {mark}, {mark}) ON CONFLICT (key_id) DO NOTHING",
        rows,
    )


def index_statement(table: str = TABLE) -> str:
    """An account's keys found by its id (every step that seals looks them up)."""
    return f"CREATE INDEX IF NOT EXISTS kaflow_data_keys_account ON {table} (account_id)"


def create_statement(engine: str, table: str = TABLE) -> str:
    blob = "BLOB" if engine == "sqlite" else "BYTEA"
    return (
        f"CREATE TABLE IF NOT EXISTS {table} (key_id TEXT PRIMARY KEY, "
        f"account_id TEXT NOT NULL, wrapped {blob})"
    )


def _read_only(error: Exception) -> bool:
    return "readonly" in str(error).replace(" ", "").lower()


def _missing(error: Exception) -> bool:
    text = str(error)
    return "no such table" in text or "does not exist" in text


def key_store(app: Any) -> KeyStore:
    from kaflow.projections.db import engine_of

    engine = engine_of(app)
    if engine in ("sqlite", "postgresql"):
        return SqlKeys(app.recorder, engine)
    return MemoryKeys()
