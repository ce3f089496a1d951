"""The PostgreSQL recorder kaflow uses (imported only for a PostgreSQL store).

The library's recorder retries a failed call ten times, 0.2 s apart, whatever failed,
and each try may wait for a connection as long as the connect timeout. A writer kept
from the log's lock for ``lock_timeout`` seconds would so wait ten times as long before
hearing that the store is busy, and a scheduler's tick during an outage would hang for
minutes (deaf to SIGTERM). kaflow calls the store once: a failure is reported at once
(a busy store: exit 4, nothing written; an unreachable one: a clear message), and the
long-running processes try again at their next look. A conflict on an account's version
is retried by the application, which loads the account again and checks the rules
again (``Kaflow.handle``).

The library bounds only its own LOCK statement by ``lock_timeout``; every other statement
would wait for a lock as long as it is held (VACUUM FULL, ALTER TABLE, a LOCK TABLE in an
open transaction hold the log from readers as well). Every connection of the pool is
opened with the session's ``lock_timeout`` set to the same bound.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import Notification, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg.sql import SQL

from kaflow.storage import chain, keys, protect
from kaflow.storage.server import session_options

_once = {
    name: getattr(PostgresApplicationRecorder, name).__wrapped__
    for name in ("insert_events", "select_events", "select_notifications", "max_notification_id")
}


class Recorder(PostgresApplicationRecorder):
    def __init__(self, datastore: Any, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        pool_kwargs = datastore.pool.kwargs  # used for each connection the pool opens
        if isinstance(pool_kwargs, dict) and "options" not in pool_kwargs:
            pool_kwargs["options"] = session_options(datastore.lock_timeout or 10)
        schema = datastore.schema or "public"
        self.chain = chain.Dialect(
            "postgresql",
            f'"{schema}"."{self.events_table_name}"',
            f'"{schema}".{chain.TABLE}',
        )
        self.sql_create_statements.append(SQL(self.chain.create))  # type: ignore[arg-type]
        self.chained = False  # the chain's table is known to be there
        # Appends kept in order by a lock of their own, which needs UPDATE on that table
        # only: the role kaflow runs as may then hold no right to rewrite the log.
        self.append_lock = f'"{schema}".{protect.APPEND_LOCK}'
        self.lock_table_statements = [
            self.lock_table_statements[0],  # SET LOCAL lock_timeout
            SQL(f"LOCK TABLE {self.append_lock} IN EXCLUSIVE MODE"),
        ]
        for statement in protect.statements(schema, self.events_table_name):
            self.sql_create_statements.append(SQL(statement))  # type: ignore[arg-type]

    def _fetch_ids_after_insert_events(
        self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """The positions the events were given; the chain extended over them, in the
        same transaction (the log's table lock, taken before, keeps appends in order),
        each link naming the database login that wrote it."""
        positions = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        curs.execute("SELECT session_user AS login")
        login = str(curs.fetchall()[0]["login"])
        chain.extend(curs, self.chain, list(positions or ()), stored_events, login)
        schema = self.datastore.schema or "public"
        keys.write_pending(curs, self.datastore, "postgresql", f'"{schema}".{keys.TABLE}')
        return positions

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        if not self.chained:  # a store made before the chain was: made by its first append
            with self.datastore.transaction(commit=False) as curs:
                curs.execute(
                    "SELECT to_regclass(%s) IS NOT NULL AND to_regclass(%s) IS NOT NULL AS there",
                    (self.chain.table, self.append_lock),
                )
                there = curs.fetchall()[0]["there"]
            if not there:
                schema = self.datastore.schema or "public"
                with self.datastore.transaction(commit=True) as curs:
                    for statement in protect.statements(schema, self.events_table_name):
                        curs.execute(statement)
            self.chained = True
        found: Sequence[int] | None = _once["insert_events"](self, stored_events, **kwargs)
        return found

    def select_events(self, *args: Any, **kwargs: Any) -> Sequence[StoredEvent]:
        found: Sequence[StoredEvent] = _once["select_events"](self, *args, **kwargs)
        return found

    def select_notifications(self, *args: Any, **kwargs: Any) -> Sequence[Notification]:
        found: Sequence[Notification] = _once["select_notifications"](self, *args, **kwargs)
        return found

    def max_notification_id(self) -> int | None:
        found: int | None = _once["max_notification_id"](self)
        return found
