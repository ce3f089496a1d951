"""How the application keeps its aggregates: loaded (from a snapshot and the events
after it, or as this process last saved them), saved (a lost race reported, for a retry),
snapshotted. The commands' recipe is ``kaflow.application.service``'s."""

from __future__ import annotations

import contextlib
import copy
import threading
from collections.abc import Iterable
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.persistence import PersistenceError

from kaflow.aggregates.directory import UserDirectory
from kaflow.aggregates.prospect import Prospect
from kaflow.application.saving import save
from kaflow.errors import NotFoundError

SNAPSHOT_EVERY = 20
# Loaded aggregates are kept and fast-forwarded with newer events from the store, so a
# long-lived process (a scheduler, a service) reads only what changed since; an account
# it saved is kept as saved, and its next step reads nothing first.
CACHE_SIZE = "1000"
RETRIES = 5


def replay(aggregate: Any, events: Iterable[Any]) -> Any:
    """Apply events in order: the library's ``project_aggregate`` without its per-event
    runtime-protocol ``isinstance`` assertion, which costs more than the event itself."""
    for domain_event in events:
        aggregate = domain_event.mutate(aggregate)
    return aggregate


class Keeping(Application[UUID]):
    env = {"AGGREGATE_CACHE_MAXSIZE": CACHE_SIZE}  # noqa: RUF012
    snapshotting_intervals = {Prospect: SNAPSHOT_EVERY, UserDirectory: SNAPSHOT_EVERY}  # noqa: RUF012
    snapshotting_projectors = {Prospect: replay, UserDirectory: replay}  # noqa: RUF012

    def __init__(self, env: dict[str, str] | None = None) -> None:
        super().__init__(env)
        self.commits = 0  # saves committed by this application (a front end's Ctrl-C asks)
        self._commits_lock = threading.Lock()

    def get_prospect(self, prospect_id: UUID, version: int | None = None) -> Prospect:
        try:
            found: Any = self.repository.get(prospect_id, version=version, projector_func=replay)
        except AggregateNotFoundError:
            raise NotFoundError(f"no account with id {prospect_id}", field="account") from None
        if not isinstance(found, Prospect):
            raise NotFoundError(f"no account with id {prospect_id}", field="account")
        return found

    def _kept_prospect(self, prospect_id: UUID) -> Prospect | None:
        """A copy of the account as this process last saved or read it, if it keeps one."""
        repository = self.repository
        if repository.cache is None:
            return None
        # Copied under the lock the library fast-forwards a kept aggregate under (in
        # place, by another thread's read), never half brought forward.
        lock = repository._use_fastforward_lock(prospect_id)
        try:
            with lock:
                found = repository.cache.get(prospect_id)
                return copy.deepcopy(found) if isinstance(found, Prospect) else None
        except KeyError:
            return None
        finally:
            repository._disuse_fastforward_lock(prospect_id)

    def _save(self, *aggregates: Prospect | UserDirectory) -> bool:
        """Save; False if a concurrent writer got there first (nothing was written)."""
        return save(self, *aggregates)

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        """The library's ``save`` (eventsourcing 9.5.6, pinned), collecting this
        application's own aggregates directly: its runtime Protocol checks on each
        object cost more than collecting the events. Anything else it collects itself."""
        processing_event: ProcessingEvent[UUID] = ProcessingEvent()
        for obj in objs:
            if isinstance(obj, Prospect | UserDirectory):
                processing_event.events.extend(obj.collect_events())
                processing_event.aggregates[obj.id] = obj
            else:
                processing_event.collect_events(obj)
        processing_event.saved_kwargs.update(kwargs)
        recordings = self._record(processing_event)
        self._take_snapshots(processing_event)
        self._notify(recordings)
        return recordings

    def _record(self, processing_event: Any) -> Any:
        """The library's commit of a save; counted at once, before its snapshots are
        taken, so that a front end interrupted after it knows the step is recorded."""
        recordings = super()._record(processing_event)
        with self._commits_lock:
            self.commits += 1
        cache = self.repository.cache
        if cache is not None:  # kept as saved: the next step on it reads nothing first
            for aggregate_id, aggregate in processing_event.aggregates.items():
                if isinstance(aggregate, Prospect):
                    cache.put(aggregate_id, aggregate)
        return recordings

    def take_snapshot(
        self,
        aggregate_id: UUID,
        version: int | None = None,
        projector_func: Any = replay,
    ) -> None:
        """Snapshots only speed up loading: one that cannot be written (the store is busy,
        another process wrote the same one) must not fail a command whose events are saved."""
        with contextlib.suppress(PersistenceError):
            super().take_snapshot(aggregate_id, version, projector_func)

    def _take_snapshots(self, processing_event: Any) -> None:
        """Snapshots when the library takes them (a version at a multiple of the
        interval), of each aggregate as saved rather than read back from the store."""
        if self.snapshots is None:
            return
        for aggregate_id, aggregate in processing_event.aggregates.items():
            interval = self.snapshotting_intervals.get(type(aggregate))
            due = interval is not None and any(
                e.originator_id == aggregate_id and e.originator_version % interval == 0
                for e in processing_event.events
            )
            if due:
                taker: Any = getattr(type(aggregate), "Snapshot", self.snapshot_class)
                with contextlib.suppress(PersistenceError):  # as take_snapshot
                    self.snapshots.put([taker.take(aggregate)])
