"""Saving aggregates: a lost race is reported (retry), a store failure is read again so
that nothing is ever said to be unwritten unless it is."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from eventsourcing.application import Application
from eventsourcing.persistence import (
    IntegrityError,
    OperationalError,
    PersistenceError,
    ProgrammingError,
)

from kaflow.errors import ConflictError, UnavailableError, first_line


def save(app: Application[Any], *aggregates: Any) -> bool:
    """Save; False if a concurrent writer got there first (nothing was written)."""
    pending = [(a.id, e.originator_version, e.timestamp) for a in aggregates
               for e in a.pending_events]  # fmt: skip
    try:
        app.save(*aggregates)
    except IntegrityError:
        return False  # nothing of this save was written: snapshots come after events
    except (OperationalError, ProgrammingError) as e:
        from kaflow.storage.errors import PRIVILEGE, classify_write, kind_of

        kind = kind_of(e)
        if isinstance(e, ProgrammingError) and kind is None:
            raise  # a defect, not the store
        known = classify_write(e)
        if known is not None and kind != PRIVILEGE:
            raise known from None
        # A lost connection (the commit may have been made), or a role refused at once
        # or, pipelined, as aborted: what was written is read again.
        return _saved_after_all(app, pending, first_line(e))
    return True


def _saved_after_all(
    app: Application[Any], pending: list[tuple[Any, int, datetime]], error: str
) -> bool:
    """The store failed while saving (a lost connection, say): was the save written
    before it failed? Read again: never say 'nothing was written' unless so."""
    from kaflow.storage.server import may_write

    try:
        found = {
            (e.originator_id, e.originator_version): getattr(e, "timestamp", None)
            for aggregate in {i for i, _, _ in pending}
            for e in app.events.get(aggregate, gt=min(v for i, v, _ in pending) - 1)
        }
        writable = may_write(app)
    except PersistenceError:
        raise ConflictError(
            f"the store failed while saving ({error}) and cannot be read now: the step "
            "may or may not have been recorded; look at the account's history before "
            "trying again"
        ) from None
    if all(found.get((i, v)) == t for i, v, t in pending):
        return True  # written: the failure came after the commit
    if not writable:
        raise UnavailableError(
            "this store may be read but not written by its user (it lacks a privilege an "
            "append needs); nothing was written"
        )
    raise ConflictError(f"the store failed while saving ({error}); nothing was written, retry")
