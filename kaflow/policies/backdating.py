"""Backdating made visible. Recording a step on someone's behalf, or days after it
happened, is legitimate; hiding it is not: the record marks entries recorded long after
they took place (late entries) and meetings or visits recorded by someone other than who
chaired or led them. A workspace may also limit how far back a step may be dated, unless
a manager or above records it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from kaflow.aggregates.directory import at_least_manager
from kaflow.errors import BadInputError, RefusedError, field

EARLIEST_YEAR = 2000  # nothing the procedure governs happened before: a mistyped date
LATE_ENTRY_AFTER = "P3D"
# Who the record names as having held each kind of entry (our own side).
HELD_BY = {"meeting": "chair", "visit": "lead"}


@dataclass(frozen=True)
class Backdating:
    late_entry_after: timedelta = timedelta(days=3)
    max_backdate: timedelta | None = None
    written: tuple[str, str | None] = (LATE_ENTRY_AFTER, None)  # as kaflow.toml says

    def is_late(self, occurred_ts: float, recorded_ts: float) -> bool:
        """Recorded longer after it happened than the workspace allows unmarked."""
        return recorded_ts - occurred_ts > self.late_entry_after.total_seconds()

    def check(self, occurred_at: datetime, now: datetime, role: str | None) -> None:
        """A step dated further back than ``max_backdate`` is refused unless a manager
        or above records it."""
        if self.max_backdate is None or now - occurred_at <= self.max_backdate:
            return
        if at_least_manager(role):
            return
        raise RefusedError(
            f"{field('occurred_at')} {occurred_at.date()} is further back than the "
            f"workspace's max backdate ({self.written[1]}) allows; only a manager or above "
            f"may record a step dated before {(now - self.max_backdate).date()}",
            rule="backdating",
            field="occurred_at",
            max_backdate=self.written[1],
        )


def check_not_too_early(when: datetime, zone: tzinfo) -> None:
    earliest = datetime(EARLIEST_YEAR, 1, 1, tzinfo=zone)
    if when < earliest:
        raise BadInputError(
            f"{field('occurred_at')} {when.date()} is before {earliest.date()}: "
            "no step of the procedure is dated so early",
            field="occurred_at",
        )


def recorded_by_other(kind: str, details: dict[str, Any], actor: str) -> str | None:
    """Who recorded a meeting or visit that someone else chaired or led (None if the
    chair or lead recorded it, or for any other entry)."""
    held_by = details.get(HELD_BY.get(kind, ""), "")
    if not held_by or str(held_by).casefold() == actor.casefold():
        return None
    return actor
