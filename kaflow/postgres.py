"""The PostgreSQL recorder kaflow uses (imported only for a PostgreSQL store).

The library's recorder retries a failed append ten times, 0.2 s apart, whatever failed.
A writer that waits for the log's lock for ``lock_timeout`` seconds would so wait ten
times as long before hearing that the store is busy. kaflow appends once: a lock timeout
is reported at once as a busy store (exit 4, nothing written), as on SQLite, and a
conflict on an account's version is retried by the application, which loads the
account again and checks the rules again (``Kaflow.handle``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder

_append_once = PostgresApplicationRecorder.insert_events.__wrapped__


class Recorder(PostgresApplicationRecorder):
    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        found: Sequence[int] | None = _append_once(self, stored_events, **kwargs)
        return found
