"""``policy what-if``: the recorded history judged under another follow-up window.

Reads the visits, follow-ups and losses from the log, in the order they were recorded,
and replays each visit's deadline under the window asked for, beside the window it was
actually opened under. Writes nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from kaflow.policies.follow_up_within import FollowUpPolicy, Visit, breaches, is_missed
from kaflow.projections import topic
from kaflow.projections.log import notifications_with_topic

SETTLED_BY = {"FollowUpRecorded": "follow_up", "VisitRecorded": "visit", "Lost": "lost"}
READ = [*SETTLED_BY, "FollowUpDeadlineOpened"]


def visits(app: Any, batch: int = 500) -> list[tuple[Visit, datetime | None]]:
    """Every visit recorded, what settled its deadline, and the due time it was opened
    with (None for visits recorded before deadlines were)."""
    found: list[tuple[Visit, datetime | None]] = []
    open_by_account: dict[str, int] = {}  # account -> index in found of its last visit
    numbers: dict[str, int] = {}  # account -> visits so far
    topics = [topic(name) for name in READ]
    for notification in notifications_with_topic(app.recorder, *topics, batch=batch):
        event = app.mapper.to_domain_event(notification)
        account = event.originator_id.hex
        kind = type(event).__name__
        if kind == "FollowUpDeadlineOpened":
            index = open_by_account.get(account)
            if index is not None:
                found[index] = (found[index][0], event.due_at)
            continue
        index = open_by_account.pop(account, None)
        if index is not None:
            visit, due = found[index]
            settled = Visit(**{**vars(visit), "settled_at": event.occurred_at,
                               "settled_by": SETTLED_BY[kind]})  # fmt: skip
            found[index] = (settled, due)
        if kind == "VisitRecorded":
            number = numbers[account] = numbers.get(account, 0) + 1
            found.append((Visit(account, number, event.occurred_at, event.visit["lead"]), None))
            open_by_account[account] = len(found) - 1
    return found


def what_if(app: Any, within: timedelta, now: datetime) -> dict[str, Any]:
    """Due as a deadline opened under ``within`` would be: calendar days in the
    workspace's zone (``FollowUpPolicy.deadline``), not elapsed time."""
    recorded = visits(app)
    policy = FollowUpPolicy(within=within)
    judged = {
        (b.visit.account, b.visit.number): b
        for b in breaches([v for v, _ in recorded], policy, now, app.zone)
    }
    rows = []
    actual_breaches = 0
    for visit, due in recorded:
        end = visit.settled_at if visit.settled_at is not None else now
        actually = due is not None and is_missed(due, end)
        actual_breaches += actually
        breach = judged.get((visit.account, visit.number))
        if breach is None:
            continue
        rows.append(
            {
                "account": visit.account,
                "visit": visit.number,
                "visit_at": visit.at.isoformat(),
                "lead": visit.lead,
                "due_at": breach.due_at.isoformat(),
                "settled_at": None if visit.settled_at is None else visit.settled_at.isoformat(),
                "settled_by": visit.settled_by,
                "late_by_seconds": int(breach.late_by.total_seconds()),
                "breached_as_recorded": actually,
            }
        )
    return {
        "now": now.isoformat(),
        "visits": len(recorded),
        "breaches": len(rows),
        "breaches_as_recorded": actual_breaches,
        "rows": rows,
    }
