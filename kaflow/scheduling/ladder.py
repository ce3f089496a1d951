"""The escalation ladder of each follow-up deadline (R11), ``[[notify.ladder]]``: rungs at
times relative to the due time, each telling its people once.

The scheduler's tick finds the open deadlines with a rung due (``follow_up_rungs`` beside
``follow_up_deadlines``), and records each rung on its account as ``FollowUpRungReached``:
a command that reloads the account, records only the rungs due and not yet reached, and
saves with the account's version, so that two schedulers record each rung once. Each
rung is a notice (kind ``ladder``) delivered from the log like the others. A deadline
settled (a follow-up, a visit, the loss) reaches no later rung.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any
from uuid import UUID

from kaflow.aggregates.deadline import is_missed
from kaflow.aggregates.directory import RANK, Role, UserDirectory
from kaflow.application.saving import save
from kaflow.application.steps import owner_of
from kaflow.errors import ConflictError
from kaflow.policies.follow_up_within import _later
from kaflow.projections.escalations import ladder_candidates, rungs_after
from kaflow.reporting.text import span
from kaflow.scheduling.ladder_config import Rung
from kaflow.scheduling.notify import Notice

if TYPE_CHECKING:
    from kaflow.application.service import Kaflow
    from kaflow.projections.runner import Views
    from kaflow.scheduling.tick import TickReport

RETRIES = 5
SLACK = timedelta(days=1)  # calendar days in the zone against elapsed time: summer time


def rung_times(
    ladder: Sequence[Rung], deadline: dict[str, Any], now: datetime, zone: tzinfo
) -> list[tuple[int, datetime]]:
    """(rung number, its time) for each rung of ``deadline`` due by ``now`` and not yet
    reached, in order. Days are calendar days in the workspace's zone, as the due time's
    own. A rung at or before the visit is passed over, and so is one at or before the due
    time once the deadline has passed (as a reminder is)."""
    found = []
    due, visit = deadline["due_at"], deadline["visit_at"]
    for number, rung in enumerate(ladder, 1):
        if number <= deadline.get("rung", 0):
            continue
        at = _later(due, rung.offset, zone)
        if at > now:
            break
        if at <= visit or (at <= due and is_missed(due, now)):
            continue
        found.append((number, at))
    return found


def audience(
    to: Iterable[str], lead: str, owner: str | None, directory: UserDirectory, at: datetime
) -> list[str]:
    """Who a rung tells, each once, in the order named: ``lead``, ``owner`` (the
    account's), ``manager`` (the managers ranking above the lead, or if none the
    directors), ``director`` (the directors ranking above the lead), ``above`` (both, as
    a miss is escalated), ``process_owners``. A rung that finds nobody tells the process
    owners."""
    rank = RANK[Role(directory.role_of(lead, at) or Role.SALES)]

    def holding(*roles: Role, above: bool = True) -> list[str]:
        return [
            name
            for name in directory.names()
            if (role := directory.role_of(name, at)) in roles
            and (not above or RANK[Role(role)] > rank)
        ]

    found: list[str] = []
    for word in to:
        if word == "lead":
            found.append(lead)
        elif word == "owner" and owner is not None:
            found.append(owner)
        elif word == "manager":
            found += holding(Role.MANAGER) or holding(Role.DIRECTOR)
        elif word == "director":
            found += holding(Role.DIRECTOR)
        elif word == "above":
            found += holding(Role.MANAGER, Role.DIRECTOR)
        elif word == "process_owners":
            found += holding(Role.OWNER, above=False)
    return list(dict.fromkeys(found)) or holding(Role.OWNER, above=False)


def reach(
    app: Kaflow, account: UUID, number: int, now: datetime, ladder: Sequence[Rung]
) -> list[dict[str, Any]]:
    """The scheduler's command: record the rungs of deadline ``number`` due at ``now``
    and not yet reached; the rungs recorded (none if it was settled, or another
    scheduler recorded them: exactly once)."""
    for _ in range(RETRIES):
        prospect = app.get_prospect(account)
        deadline = prospect.open_deadline(number)
        if deadline is None:
            return []
        due = rung_times(ladder, deadline, now, app.zone)
        if not due:
            return []
        directory = app.directory()
        owner = owner_of(prospect, app.events.get)
        done = []
        for rung, at in due:
            people = audience(ladder[rung - 1].to, deadline["lead"], owner, directory, now)
            if prospect.reach_rung(number, rung, ladder[rung - 1].at, at, now, people):
                done.append({"rung": rung, "at": ladder[rung - 1].at, "to": people})
        if not done:
            return []
        if save(app, prospect):
            return done
    raise ConflictError("the account kept changing under the scheduler; it will try again")


def step(ladder: Sequence[Rung]) -> Any:
    """The ladder's part of a tick (``kaflow.scheduling.tick.tick``'s ``steps``)."""

    def climb(app: Kaflow, views: Views, now: datetime, report: TickReport) -> None:
        report.rungs = []
        earliest = min(rung.offset for rung in ladder)
        due_by = (now - earliest + SLACK).timestamp()
        for row in ladder_candidates(views, due_by, len(ladder)):
            deadline = {
                "due_at": datetime.fromisoformat(row["due_at"]),
                "visit_at": datetime.fromisoformat(row["visit_at"]),
                "rung": row["rung"],
            }
            if not rung_times(ladder, deadline, now, app.zone):
                continue
            try:
                done = reach(app, UUID(row["account_id"]), row["deadline"], now, ladder)
            except ConflictError as e:  # busy: the others are still done, this one next time
                report.failed.append(
                    {"account": row["account_id"], "deadline": row["deadline"], "error": str(e)}
                )
                continue
            entry = {"account": row["account_id"], "deadline": row["deadline"]}
            report.rungs += [
                {**entry, **rung, "lead": row["lead"], "due_at": row["due_at"]} for rung in done
            ]

    return climb


def pending_rungs(views: Any, after: int, limit: int = 1000) -> list[Notice]:
    return [rung_notice(row) for row in rungs_after(views, after, limit)]


def rung_notice(row: dict[str, Any]) -> Notice:
    """A rung as delivered: who is told what, as data and as a sentence."""
    from kaflow.scheduling.tick import About  # tick reads the rungs from here

    a = About.of(row)
    account, name, due_at, noticed, notified = a.account, a.name, a.due_at, a.noticed, a.notified
    visit, due_text = a.visit, a.due_text
    where = f"rung {row['rung']} of the escalation ladder ({row['at']} from the due time)"
    if is_missed(due_at, noticed):
        late = span((noticed - due_at).total_seconds())
        subject = f"R11 overdue {late}: follow-up of {name}"
        text = (
            f"The follow-up of {visit} at {name} was due {due_text} and has not been "
            f"recorded; {late} overdue. This is {where}: told {', '.join(notified)}."
        )
    else:
        subject = f"R11 reminder: follow-up of {name} due {due_text}"
        text = (
            f"The follow-up of {visit} at {name} is due {due_text}. This is {where}: told "
            f"{', '.join(notified)}."
        )
    return {
        "id": f"ladder:{account}:{row['deadline']}:{row['rung']}",
        "position": row["position"],
        "kind": "ladder",
        "rung": row["rung"],
        "rung_at": row["rung_at"],
        "at": row["at"],
        "account": {"id": account, "name": name},
        "deadline": row["deadline"],
        "lead": row["lead"],
        "visit_at": row["visit_at"],
        "due_at": row["due_at"],
        "noticed_at": row["noticed_at"],
        "noticed_by": "scheduler",
        "to": notified,
        "subject": subject,
        "text": text,
    }
