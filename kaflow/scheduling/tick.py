"""The deadline work the scheduler does: find what is due, record it, deliver notices.

The event log is the only source of truth. What is pending comes from the
``deadlines`` view, indexed by when each deadline next needs attention; recording is a
command on the account, which records each reminder and each missed deadline once
whatever else runs at the same time (optimistic concurrency plus the deadline's number);
delivery follows the log's positions (``kaflow.scheduling.notify``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from kaflow.application.actor import SCHEDULER
from kaflow.application.service import Kaflow
from kaflow.errors import BadInputError, ConflictError, WorkspaceError
from kaflow.errors import field as field_named
from kaflow.projections.db import DELIVERED_TABLE, DELIVERY_LOCK
from kaflow.projections.deadlines import due, notices_after
from kaflow.projections.deadlines import pending_count as pending_count  # for the daemon
from kaflow.projections.escalations import has_view
from kaflow.projections.runner import Views
from kaflow.reporting.text import span
from kaflow.scheduling.delivery import Fanout
from kaflow.scheduling.digest import pending_digests
from kaflow.scheduling.ladder import pending_rungs
from kaflow.scheduling.notify import Notice, Notifier


@dataclass
class TickReport:
    now: datetime
    reminded: list[dict[str, Any]] = field(default_factory=list)
    overdue: list[dict[str, Any]] = field(default_factory=list)
    delivered: int = 0
    failed: list[dict[str, Any]] = field(default_factory=list)  # to try again next time
    undelivered: str | None = None  # why notices could not be delivered this time
    warning: str | None = None  # about the moment it was asked to work at
    sealed: dict[str, Any] | None = None  # the log's checkpoint signed, when one was due
    # What each notification channel did (kaflow.scheduling.delivery), if any are set up.
    channels: list[dict[str, Any]] = field(default_factory=list)
    # The ladder's rungs reached and the digests made, when kaflow.toml sets them up
    # (kaflow.scheduling.ladder, kaflow.scheduling.digest).
    rungs: list[dict[str, Any]] | None = None
    digests: list[dict[str, Any]] | None = None

    def as_dict(self) -> dict[str, Any]:
        more = {k: v for k, v in (("rungs", self.rungs), ("digests", self.digests)) if v}
        return more | {
            "sealed": self.sealed,
            "now": self.now.isoformat(),
            "reminded": self.reminded,
            "overdue": self.overdue,
            "delivered": self.delivered,
            "failed": self.failed,
            "undelivered": self.undelivered,
            "channels": self.channels,
        }


def upcoming(views: Views, until: datetime) -> list[tuple[str, int, float]]:
    """(account, deadline, when) for every deadline with work due by ``until``."""
    return [(r["account_id"], r["deadline"], r["next_ts"]) for r in due(views, until)]


def checked_now(
    app: Kaflow, now: datetime | None, allow_future: bool
) -> tuple[datetime, str | None]:
    """The moment a tick works at (default: now), and a warning to show with it. A moment
    ahead of the clock is refused unless allowed (tests, a trial workspace): misses would be
    recorded before they happen, and people told; one in the past is done as asked."""
    clock = app.now()
    if now is None:
        return clock, None
    shown = now.astimezone(app.zone).strftime("%Y-%m-%d %H:%M")
    if now > clock + timedelta(minutes=1) and not allow_future:
        raise BadInputError(
            f"{field_named('now')} {shown} is ahead of the clock: misses would be recorded "
            f"before they happen and people told; give {field_named('allow_future')} (tests, a "
            "trial workspace)",
            field="now",
        )
    if now < clock - timedelta(minutes=1):
        return (
            now,
            f"{field_named('now')} {shown} is in the past; a miss found is recorded as "
            "noticed then",
        )
    return now, None


# More work a tick does before delivering (the ladder, the digest), if set up.
Step = Callable[[Kaflow, Views, datetime, "TickReport"], None]


def tick(
    app: Kaflow, views: Views, notifier: Notifier, now: datetime, steps: Sequence[Step] = ()
) -> TickReport:
    """All the work due at ``now``, once: reminders and missed deadlines recorded on
    their accounts, then the ``steps`` (rungs, digests), then every notice not yet
    delivered, delivered."""
    report = TickReport(now)
    views.catch_up()
    for row in due(views, now):
        try:
            kind = app.notice_due(UUID(row["account_id"]), row["deadline"], now)
        except ConflictError as e:  # busy: the others are still done, this one next time
            report.failed.append(
                {"account": row["account_id"], "deadline": row["deadline"], "error": str(e)}
            )
            continue
        if kind is not None:
            entry = {"account": row["account_id"], "deadline": row["deadline"]}
            (report.overdue if kind == "overdue" else report.reminded).append(
                {**entry, "lead": row["lead"], "due_at": row["due_at"]}
            )
    for work in steps:
        work(app, views, now, report)
    try:
        report.delivered = deliver(views, notifier, now)
    except (OSError, WorkspaceError) as e:  # recorded all the same: delivered next time
        report.undelivered = str(e)
    if isinstance(notifier, Fanout):  # a channel's failure is reported, never raised
        report.channels = [r.as_dict() for r in notifier.results if r.acted() or r.waiting_until]
    return report


def deliver(views: Views, notifier: Notifier, now: datetime | None = None) -> int:
    """Deliver the notices recorded (by the scheduler, or by a late step) and not yet
    delivered; ``now`` times the channels' retries (default: the clock)."""
    views.catch_up()
    if now is not None and isinstance(notifier, Fanout):
        return notifier.deliver_at(lambda after: pending(views, after), now)
    return notifier.deliver(lambda after: pending(views, after))


def store_identity(app: Kaflow) -> str | None:
    """Which store this is: when its first event was recorded."""
    first = app.recorder.select_notifications(1, limit=1)
    if not first:
        return None
    event: Any = app.mapper.to_domain_event(first[0])
    return str(event.timestamp.isoformat())


OUTBOX = "outbox"  # the outboxes' one position: whatever each workspace names its file


class DeliveredIn:
    """A notifier's position in ``kaflow_delivered``, beside the views. All outboxes
    share one (each notice goes to one of them), whatever their files are called."""

    def __init__(self, views: Views, notifier: str) -> None:
        self.views, self.notifier = views, notifier

    def get(self) -> int:
        if not self.views.database.has_table("kaflow_delivered"):
            return 0  # nothing delivered yet
        row = self.views.db.execute(
            # Earlier versions kept a position per outbox file ("outbox:NAME").
            "SELECT max(position) FROM kaflow_delivered WHERE notifier = ? OR notifier LIKE ?",
            (self.notifier, f"{self.notifier}:%"),
        ).fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    def hold(self) -> Any:
        """Held while delivering: on a shared store, schedulers on other machines (with
        outboxes of their own) wait, then start from where this one got to."""
        return self.views.database.exclusive(DELIVERY_LOCK)

    def set(self, position: int) -> None:
        with self.views.writing() as cursor:
            self.views.database.script(cursor, DELIVERED_TABLE)
            cursor.execute(
                "INSERT INTO kaflow_delivered VALUES (?, ?) ON CONFLICT (notifier) "
                "DO UPDATE SET position = CASE WHEN excluded.position > "
                "kaflow_delivered.position THEN excluded.position "
                "ELSE kaflow_delivered.position END",
                (self.notifier, position),
            )


def pending(views: Views, after: int, limit: int = 1000) -> list[Notice]:
    """The notices after log position ``after``, in order: reminders and misses, the
    ladder's rungs and the digests (none of those two where they are not set up)."""
    found = [notice(row) for row in notices_after(views, after, limit)]
    more = [
        *(pending_rungs(views, after, limit) if has_view(views, "ladder") else []),
        *(pending_digests(views, after, limit) if has_view(views, "digests") else []),
    ]
    if not more:
        return found
    return sorted([*found, *more], key=lambda n: int(n["position"]))[:limit]


@dataclass(frozen=True)
class About:
    """What every notice of a follow-up deadline says, read from its row."""

    account: str
    name: str
    due_at: datetime
    noticed: datetime
    notified: list[str]
    visit: str  # the visit, as a sentence names it
    due_text: str

    @classmethod
    def of(cls, row: dict[str, Any]) -> About:
        account = str(UUID(row["account_id"]))
        due_at = datetime.fromisoformat(row["due_at"])
        return cls(
            account=account,
            name=row["name"] or account,
            due_at=due_at,
            noticed=datetime.fromisoformat(row["noticed_at"]),
            notified=json.loads(row["notified"]),
            visit=f"the visit of {row['visit_at'][:16].replace('T', ' ')} led by {row['lead']}",
            due_text=due_at.isoformat(timespec="minutes").replace("T", " "),
        )


def notice(row: dict[str, Any]) -> Notice:
    """A notice as delivered: who is told what, as data and as a sentence."""
    a = About.of(row)
    account, name, due_at, noticed, notified = a.account, a.name, a.due_at, a.noticed, a.notified
    visit, due_text = a.visit, a.due_text
    if row["kind"] == "overdue" and row["noticed_by"] != SCHEDULER.name and row["closed_at"]:
        late = datetime.fromisoformat(row["closed_at"]) - due_at
        subject = f"R11 overdue: follow-up of {name} came late"
        text = (
            f"The follow-up of {visit} at {name} was due {due_text}; the step that settled "
            f"it, recorded by {row['noticed_by']}, came {span(late.total_seconds())} late. "
            f"Escalated to {', '.join(notified)}."
        )
    elif row["kind"] == "overdue":
        late = noticed - due_at
        subject = f"R11 overdue: follow-up of {name}"
        text = (
            f"The follow-up of {visit} at {name} was due {due_text} and has not been "
            f"recorded; {span(late.total_seconds())} overdue. Escalated to {', '.join(notified)}."
        )
    else:
        subject = f"R11 reminder: follow-up of {name} due {due_text}"
        text = f"The follow-up of {visit} at {name} is due {due_text}."
    return {
        "id": f"{row['kind']}:{account}:{row['deadline']}",
        "position": row["position"],
        "kind": row["kind"],
        "account": {"id": account, "name": name},
        "deadline": row["deadline"],
        "lead": row["lead"],
        "visit_at": row["visit_at"],
        "due_at": row["due_at"],
        "noticed_at": row["noticed_at"],
        "noticed_by": row["noticed_by"],
        "to": notified,
        "subject": subject,
        "text": text,
    }
