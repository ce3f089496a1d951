"""The daily digest, ``[notify] digest_at``: at the first tick at or after that time of the
workspace's day, each user with something to hear of gets one notice (kind ``digest``)
with their follow-ups due in the coming week and the ones overdue in their team.

"Their follow-ups" are those of the visits they led and of the accounts they own; "their
team's overdue" are the missed deadlines they would be told of (the lead, the account's
owner, the managers and directors ranking above the lead: ``escalation``). Each digest
is recorded in the log (``DigestMade``, an aggregate per user and day, so two schedulers
record it once), then a ``DigestsMade`` for the day: later ticks that day make none.
"""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from kaflow.aggregates.digest import Digest, DigestRound
from kaflow.aggregates.directory import UserDirectory
from kaflow.application.saving import save
from kaflow.policies.follow_up_within import escalation, is_missed
from kaflow.projections.escalations import (
    account_names,
    digest_round_made,
    digested_users,
    digests_after,
    open_with_owners,
)
from kaflow.reporting.text import span
from kaflow.scheduling.notify import Notice

if TYPE_CHECKING:
    from kaflow.application.service import Kaflow
    from kaflow.projections.runner import Views
    from kaflow.scheduling.tick import TickReport

AHEAD = timedelta(days=7)  # "this week": the coming seven days


def contents(
    user: str, rows: list[dict[str, Any]], told: list[set[str]], now: datetime
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(due in the coming week, overdue in the team) for ``user``, from the open
    deadlines ``rows`` and, for each, who is told of its miss."""
    due, overdue = [], []
    for row, people in zip(rows, told, strict=True):
        entry = {k: row[k] for k in ("deadline", "lead", "due_at")}
        entry["account"] = row["account_id"]
        if is_missed(datetime.fromisoformat(row["due_at"]), now):
            if user in people:
                overdue.append(entry)
        elif user in (row["lead"], row["owner"]):
            due.append(entry)
    return due, overdue


def step(digest_at: time) -> Any:
    """The digest's part of a tick (``kaflow.scheduling.tick.tick``'s ``steps``)."""

    def make(app: Kaflow, views: Views, now: datetime, report: TickReport) -> None:
        report.digests = []
        local = now.astimezone(app.zone)
        day = local.date().isoformat()
        if local.time() < digest_at or digest_round_made(views, day):
            return
        directory: UserDirectory = app.directory()
        users = [n for n in directory.names() if directory.role_of(n, now) is not None]
        made = digested_users(views, day)
        rows = open_with_owners(views, now + AHEAD)
        told = [set(escalation(r["lead"], directory, now, r["owner"])) for r in rows]
        for user in users:
            if user in made:
                continue  # made by another scheduler, or by a tick cut short
            due, overdue = contents(user, rows, told, now)
            if not due and not overdue:
                continue  # nothing to hear of: no digest
            if save(app, Digest(user=user, day=day, made_at=now, due=due, overdue=overdue)):
                report.digests.append(
                    {"user": user, "day": day, "due": len(due), "overdue": len(overdue)}
                )
            made.add(user)
        save(app, DigestRound(day=day, made_at=now, users=sorted(made)))  # once per day

    return make


def pending_digests(views: Any, after: int, limit: int = 1000) -> list[Notice]:
    rows = digests_after(views, after, limit)
    if not rows:
        return []
    ids = {e["account"] for r in rows for k in ("due", "overdue") for e in json.loads(r[k])}
    names = account_names(views, sorted(ids))
    return [digest_notice(row, names) for row in rows]


def digest_notice(row: dict[str, Any], names: dict[str, str]) -> Notice:
    """A digest as delivered: the lists as data, and as a message."""
    made = datetime.fromisoformat(row["made_at"])

    def listed(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            {
                **e,
                "account": {
                    "id": str(UUID(e["account"])),
                    "name": names.get(e["account"]) or str(UUID(e["account"])),
                },
            }
            for e in entries
        ]

    def line(entry: dict[str, Any], late: bool) -> str:
        due = datetime.fromisoformat(entry["due_at"])
        text = (
            f"- {entry['account']['name']}: the visit {entry['deadline']} led by "
            f"{entry['lead']}, due {due.isoformat(timespec='minutes').replace('T', ' ')}"
        )
        return text + (f", {span((made - due).total_seconds())} overdue" if late else "")

    due, overdue = listed(json.loads(row["due"])), listed(json.loads(row["overdue"]))
    user, day = row["user_name"], row["day"]
    lines = [f"The follow-ups of {user} on {day}, as they stood at {made.strftime('%H:%M')}."]
    if due:
        lines += ["", "Your follow-ups due this week:", *(line(e, False) for e in due)]
    if overdue:
        lines += ["", "Overdue in your team:", *(line(e, True) for e in overdue)]
    return {
        "id": f"digest:{user}:{day}",
        "position": row["position"],
        "kind": "digest",
        "user": user,
        "day": day,
        "noticed_at": row["made_at"],
        "noticed_by": "scheduler",
        "to": [user],
        "due": due,
        "overdue": overdue,
        "subject": (
            f"kaflow digest for {user}, {day}: {len(due)} follow-up(s) due this week, "
            f"{len(overdue)} overdue in your team"
        ),
        "text": "\n".join(lines),
    }
