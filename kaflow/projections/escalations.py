"""``follow_up_rungs`` and ``digests``: the rungs of the escalation ladder reached on the
follow-up deadlines (R11) and the daily digests made, each a notice to deliver keyed by
its position in the log; and the reads the scheduler finds its ladder and digest work
with."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, ClassVar

from eventsourcing.utils import get_topic

from kaflow.aggregates.digest import Digest, DigestRound
from kaflow.projections import View, iso
from kaflow.projections.db import Cursor

Row = dict[str, Any]


class LadderView(View):
    name = "ladder"
    version = 1
    tables = ("follow_up_rungs",)
    schema = """
    CREATE TABLE follow_up_rungs (
        position INTEGER PRIMARY KEY,   -- the FollowUpRungReached event's position in the log
        account_id TEXT NOT NULL,       -- the account (32 hex digits)
        deadline INTEGER NOT NULL,      -- the number of the visit that opened the deadline
        rung INTEGER NOT NULL,          -- the rung's number in the ladder (1, 2, ...)
        at TEXT NOT NULL,               -- its time as written, from the due time (-P2D, P1D)
        rung_at TEXT NOT NULL,          -- that time
        noticed_at TEXT NOT NULL,       -- when the scheduler recorded it
        notified TEXT NOT NULL          -- JSON list of the people told
    );
    CREATE INDEX follow_up_rungs_deadline ON follow_up_rungs (account_id, deadline, rung);
    """
    handlers: ClassVar[dict[str, str]] = {"FollowUpRungReached": "reached"}

    def reached(self, db: Cursor, event: Any, position: int) -> None:
        self.insert(
            "INSERT INTO follow_up_rungs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                position,
                event.originator_id.hex,
                event.deadline,
                event.rung,
                event.at,
                iso(event.rung_at),
                iso(event.noticed_at),
                json.dumps(event.notified),
            ),
        )


class DigestView(View):
    name = "digests"
    version = 1
    tables = ("digests", "digest_rounds")
    schema = """
    CREATE TABLE digests (
        position INTEGER PRIMARY KEY,   -- the DigestMade event's position in the log
        user_name TEXT NOT NULL,        -- whose digest
        day TEXT NOT NULL,              -- the workspace's date it is for (YYYY-MM-DD)
        made_at TEXT NOT NULL,
        due TEXT NOT NULL,              -- JSON: {account, deadline, lead, due_at} due this week
        overdue TEXT NOT NULL           -- JSON: the same, overdue in the user's team
    );
    CREATE UNIQUE INDEX digests_day_user ON digests (day, user_name);
    CREATE TABLE digest_rounds (
        day TEXT PRIMARY KEY,           -- a day the scheduler went through every user
        made_at TEXT NOT NULL
    );
    """
    handlers: ClassVar[dict[str, str]] = {"DigestMade": "made", "DigestsMade": "round"}

    def topics(self) -> list[str]:
        return [get_topic(Digest.DigestMade), get_topic(DigestRound.DigestsMade)]  # type: ignore[attr-defined]

    def made(self, db: Cursor, event: Any, position: int) -> None:
        self.insert(
            "INSERT INTO digests VALUES (?, ?, ?, ?, ?, ?)",
            (
                position,
                event.user,
                event.day,
                iso(event.made_at),
                json.dumps(event.due),
                json.dumps(event.overdue),
            ),
        )

    def round(self, db: Cursor, event: Any, position: int) -> None:
        self.insert("INSERT INTO digest_rounds VALUES (?, ?)", (event.day, iso(event.made_at)))


def escalation_views(ladder: bool, digest: bool) -> list[View]:
    """The views of the ladder and of the digest, those set up: the others have none."""
    return [*([LadderView()] if ladder else []), *([DigestView()] if digest else [])]


def has_view(views: Any, name: str) -> bool:
    return any(v.name == name for v in views.views)


# -- the ladder's reads -------------------------------------------------------------


def ladder_candidates(views: Any, due_by: float, rungs: int) -> list[Row]:
    """Open deadlines due by ``due_by`` (seconds since the epoch) with fewer than
    ``rungs`` rungs reached: account, deadline, lead, visit and due times, and the last
    rung reached (0 for none), earliest due first."""
    with views.reading() as cursor:
        rows = cursor.execute(
            "SELECT * FROM (SELECT d.account_id, d.deadline, d.lead, d.visit_at, d.due_at, "
            "d.due_ts, COALESCE((SELECT max(r.rung) FROM follow_up_rungs r "
            "WHERE r.account_id = d.account_id AND r.deadline = d.deadline), 0) AS rung "
            "FROM follow_up_deadlines d WHERE d.status = 'open' AND d.due_ts <= ?) c "
            "WHERE c.rung < ? ORDER BY c.due_ts, c.account_id, c.deadline",
            (due_by, rungs),
        ).fetchall()
    return [dict(row) for row in rows]


def rungs_after(views: Any, after: int, limit: int = 1000) -> list[Row]:
    """The rungs reached after log position ``after``, in order, each with its deadline
    (lead, visit, due) and its account's name."""
    with views.reading() as cursor:
        rows = cursor.execute(
            "SELECT r.*, d.lead, d.visit_at, d.due_at, a.name FROM follow_up_rungs r "
            "JOIN follow_up_deadlines d USING (account_id, deadline) "
            "LEFT JOIN accounts a USING (account_id) "
            "WHERE r.position > ? ORDER BY r.position LIMIT ?",
            (after, limit),
        ).fetchall()
    return [dict(row) for row in rows]


# -- the digest's reads -------------------------------------------------------------


def digest_round_made(views: Any, day: str) -> bool:
    with views.reading() as cursor:
        row = cursor.execute("SELECT 1 FROM digest_rounds WHERE day = ?", (day,)).fetchone()
    return row is not None


def digested_users(views: Any, day: str) -> set[str]:
    with views.reading() as cursor:
        rows = cursor.execute("SELECT user_name FROM digests WHERE day = ?", (day,)).fetchall()
    return {row["user_name"] for row in rows}


def open_with_owners(views: Any, until: datetime) -> list[Row]:
    """Open deadlines due by ``until``, earliest due first, with their account's owner."""
    with views.reading() as cursor:
        rows = cursor.execute(
            "SELECT d.account_id, d.deadline, d.lead, d.due_at, d.due_ts, a.owner "
            "FROM follow_up_deadlines d LEFT JOIN accounts a USING (account_id) "
            "WHERE d.status = 'open' AND d.due_ts <= ? "
            "ORDER BY d.due_ts, d.account_id, d.deadline",
            (until.timestamp(),),
        ).fetchall()
    return [dict(row) for row in rows]


def digests_after(views: Any, after: int, limit: int = 1000) -> list[Row]:
    """The digests made after log position ``after``, in order."""
    with views.reading() as cursor:
        rows = cursor.execute(
            "SELECT * FROM digests WHERE position > ? ORDER BY position LIMIT ?", (after, limit)
        ).fetchall()
    return [dict(row) for row in rows]


def account_names(views: Any, accounts: list[str]) -> dict[str, str]:
    """The names of the accounts given (32 hex digits each)."""
    if not accounts:
        return {}
    with views.reading() as cursor:
        rows = cursor.execute(
            "SELECT account_id, name FROM accounts WHERE account_id IN "
            f"({', '.join('?' * len(accounts))})",
            tuple(accounts),
        ).fetchall()
    return {row["account_id"]: row["name"] for row in rows}
