"""The views' connections, shared by a server's threads: each thread has one of its own,
closed when the thread ends (or with all the others); an in-memory database is one
connection, shared, as it cannot be opened twice."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable

from kaflow.projections.db import Database


class _Held:
    """A thread's connection; when the thread ends, its local storage lets go of this and
    the connection is closed."""

    __slots__ = ("__weakref__", "database")

    def __init__(self, database: Database) -> None:
        self.database = database


class Connections:
    def __init__(self, open_database: Callable[[], Database], first: Database) -> None:
        self._open = open_database
        self._lock = threading.Lock()
        self._open_ones: set[Database] = set()
        self._local = threading.local()
        self._shared = first if getattr(first, "path", None) == ":memory:" else None
        if self._shared is None:
            self._hold(first)

    def get(self) -> Database:
        """This thread's connection, opened on its first use."""
        if self._shared is not None:
            return self._shared
        held: _Held | None = getattr(self._local, "held", None)
        if held is None:
            held = self._hold(self._open())
        return held.database

    def replace(self, fresh: Database) -> None:
        """This thread's connection, opened anew (the old one was closed)."""
        if self._shared is not None:
            self._shared = fresh
        else:
            self._hold(fresh)

    def _hold(self, database: Database) -> _Held:
        held = _Held(database)
        with self._lock:
            self._open_ones.add(database)
        weakref.finalize(held, self._close, database)  # when its thread has ended
        self._local.held = held
        return held

    def _close(self, database: Database) -> None:
        with self._lock:
            self._open_ones.discard(database)
        database.close()

    def open_count(self) -> int:
        """How many connections are open (none is left behind by a thread that ended)."""
        with self._lock:
            return 1 if self._shared is not None else len(self._open_ones)

    def close(self) -> None:
        with self._lock:
            open_ones, self._open_ones = list(self._open_ones), set()
        for database in open_ones:
            database.close()
        if self._shared is not None:
            self._shared.close()
