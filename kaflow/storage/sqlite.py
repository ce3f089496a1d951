"""The SQLite recorder kaflow uses: the library's, with the log's hash chain extended in
the same transaction as every append (``kaflow.storage.chain``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder

from kaflow.storage import chain


class Recorder(SQLiteApplicationRecorder):
    def __init__(self, datastore: Any, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        self.chain = chain.Dialect("sqlite", self.events_table_name)
        self.create_table_statements.append(self.chain.create)

    def _insert_events(
        self, c: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        positions = super()._insert_events(c, stored_events, **kwargs)
        # A store made before the chain was: its table is made by the first append.
        c.execute(self.chain.create)
        chain.extend(c, self.chain, list(positions or ()), stored_events)
        return positions
