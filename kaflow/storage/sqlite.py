"""The SQLite recorder kaflow uses: the library's, with the log's hash chain extended in
the same transaction as every append (``kaflow.storage.chain``)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder

from kaflow.storage import chain, keys


class Recorder(SQLiteApplicationRecorder):
    def __init__(self, datastore: Any, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        self.chain = chain.Dialect("sqlite", self.events_table_name)
        self.create_table_statements.append(self.chain.create)
        self.chained = False  # the chain's table is known to be there
        # The last link this process committed: the next append that follows it directly
        # need not read it again. Set only once the append is committed.
        self.head: tuple[int, bytes] | None = None
        self._made = threading.local()

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        if not self.chained:  # a store made before the chain was: made by its first append
            with self.datastore.transaction(commit=False) as c:
                c.execute(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?",
                    (self.chain.table,),
                )
                there = c.fetchall()[0][0]
            if not there:
                with self.datastore.transaction(commit=True) as c:
                    c.execute(self.chain.create)
            self.chained = True
        self._made.head = None
        try:
            positions = super().insert_events(stored_events, **kwargs)
        except BaseException:
            self.head = None
            raise
        self.head = self._made.head
        return positions

    def _insert_events(
        self, c: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        positions = super()._insert_events(c, stored_events, **kwargs)
        self._made.head = chain.extend(
            c, self.chain, list(positions or ()), stored_events, head=self.head
        )
        keys.write_pending(c, self.datastore, "sqlite")
        return positions
