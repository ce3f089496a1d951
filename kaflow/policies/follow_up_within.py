"""R11 in time: each visit opens a follow-up deadline; one that passes unfulfilled is
recorded and escalated.

A reactive policy: pure functions of the visit, the policy in force, the directory and
the time. The deadline counts from when the visit took place, never from when it was
recorded; a follow-up at the due time itself is on time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any

from kaflow.aggregates.deadline import is_missed as is_missed  # R11's "missed": here too
from kaflow.aggregates.directory import RANK, Role, UserDirectory

RULE = "R11"
STATEMENT = (
    "Within one week after the visit, follow up by phone or visit to hear the customer's opinions."
)
DEFAULT_WITHIN = "P7D"


@dataclass(frozen=True)
class FollowUpPolicy:
    """The policy in force: the window and the optional reminder, as durations and as
    written in kaflow.toml (ISO 8601), which is how they are recorded."""

    within: timedelta = timedelta(days=7)
    remind_before: timedelta | None = None
    written: tuple[str, str | None] = (DEFAULT_WITHIN, None)

    def deadline(self, visit_at: datetime, zone: tzinfo = UTC) -> dict[str, Any]:
        """The deadline a visit at ``visit_at`` opens, with the policy it was set under
        (recorded with it, so a later change of the setting never rewrites it).

        Days are calendar days in the workspace's ``zone`` (a week after 10:00 is 10:00,
        across a change to or from summer time); hours and smaller are elapsed time.
        """
        due = _later(visit_at, self.within, zone)
        remind = None
        if self.remind_before is not None:
            remind = _later(due, -self.remind_before, zone)
        return {
            "due_at": due,
            "remind_at": remind if remind is not None and remind > visit_at else None,
            "policy": {"follow_up_within": self.written[0], "remind_before": self.written[1]},
        }


def _later(moment: datetime, by: timedelta, zone: tzinfo) -> datetime:
    """``moment`` moved by whole days on the wall clock of ``zone``, then by the rest as
    elapsed time; with the fixed offset in force then, as times are stored."""
    wall = moment.astimezone(zone) + timedelta(days=by.days)
    instant = wall.astimezone(UTC) + timedelta(seconds=by.seconds, microseconds=by.microseconds)
    local = instant.astimezone(zone)
    offset = local.utcoffset()
    assert offset is not None
    return local.replace(tzinfo=timezone(offset))


def told(lead: str, owner: str | None) -> list[str]:
    """Who is told of a deadline (a reminder, a miss): the visit's lead, and the
    account's owner if that is someone else."""
    return [lead] if owner is None or owner == lead else [lead, owner]


def escalation(
    lead: str, directory: UserDirectory, at: datetime, owner: str | None = None
) -> list[str]:
    """Who is told of a missed deadline: those ``told`` of it (the lead, the account's
    owner), then the managers and directors who rank above the lead's role at ``at``; a
    lead with nobody above is reported to the process owners."""
    rank = RANK[Role(directory.role_of(lead, at) or Role.SALES)]
    above = [
        name
        for name in directory.names()
        if (role := directory.role_of(name, at)) in (Role.MANAGER, Role.DIRECTOR)
        and RANK[Role(role)] > rank
    ]
    if not above:
        above = [n for n in directory.names() if directory.role_of(n, at) == Role.OWNER]
    first = told(lead, owner)
    return [*first, *(name for name in above if name not in first)]


@dataclass(frozen=True)
class Visit:
    """A visit as history recorded it, and what settled its deadline (a follow-up, the
    next visit, the loss of the account), if anything has yet."""

    account: str
    number: int
    at: datetime
    lead: str
    settled_at: datetime | None = None
    settled_by: str | None = None


@dataclass(frozen=True)
class Breach:
    visit: Visit
    due_at: datetime
    late_by: timedelta  # to the settling step, or to ``now`` if nothing settled it yet


def breaches(
    visits: Iterable[Visit], policy: FollowUpPolicy, now: datetime, zone: tzinfo = UTC
) -> list[Breach]:
    """The visits whose follow-up deadline under ``policy`` was, or is by ``now``,
    missed: due as the deadline itself would be (in the workspace's ``zone``)."""
    found = []
    for visit in visits:
        due = policy.deadline(visit.at, zone)["due_at"]
        end = visit.settled_at if visit.settled_at is not None else now
        if is_missed(due, end):
            found.append(Breach(visit, due, end - due))
    return found
