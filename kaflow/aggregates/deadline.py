"""The follow-up deadline (R11) an account holds while it waits for a follow-up: what is
due on it at a given time. Pure functions of its state, used by ``Prospect``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

Deadline = dict[str, Any]


def opened(
    number: int, visit_at: datetime, lead: str, due_at: datetime, remind_at: datetime | None
) -> Deadline:
    return {
        "deadline": number,
        "visit_at": visit_at,
        "lead": lead,
        "due_at": due_at,
        "remind_at": remind_at,
        "reminded_at": None,
        "overdue_at": None,
    }


def the_open(deadline: Deadline | None, number: int) -> Deadline | None:
    """``deadline`` if it is the one numbered ``number`` (its visit's number)."""
    return deadline if deadline is not None and deadline["deadline"] == number else None


def is_missed(due: datetime, settled_at: datetime) -> bool:
    """R11's one rule of lateness: a deadline is missed only when what settles it (a
    step, or just the time that has passed) comes strictly after its due time; at the
    due time itself it is in time. Used by the deadline, the scheduler, the reports,
    conformance and what-if (the views compare the same on seconds since the epoch)."""
    return settled_at > due


def missed_unrecorded(deadline: Deadline | None, number: int, now: datetime) -> bool:
    """Deadline ``number`` has passed by ``now`` and its miss is not recorded yet."""
    found = the_open(deadline, number)
    return found is not None and found["overdue_at"] is None and is_missed(found["due_at"], now)


def reminder_due(deadline: Deadline | None, number: int, now: datetime) -> bool:
    """A reminder of deadline ``number`` is due at ``now`` and not yet recorded; once the
    deadline has passed it is a miss, not a reminder."""
    found = the_open(deadline, number)
    return (
        found is not None
        and found["remind_at"] is not None
        and found["reminded_at"] is None
        and found["remind_at"] <= now
        and not is_missed(found["due_at"], now)
    )


def rung_due(deadline: Deadline | None, number: int, rung: int, rung_at: datetime,
             now: datetime) -> bool:  # fmt: skip
    """Rung ``rung`` of the escalation ladder of deadline ``number`` is due at ``now`` and
    neither it nor a later rung is recorded yet ("rung" is missing on deadlines opened
    before ladders existed, and on those no rung has reached)."""
    found = the_open(deadline, number)
    return found is not None and found.get("rung", 0) < rung and rung_at <= now


def late_by(deadline: Deadline, at: datetime) -> int:
    """Whole seconds a step at ``at`` came after the due time (0: in time)."""
    return max(0, int((at - deadline["due_at"]).total_seconds()))
