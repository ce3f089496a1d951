"""``follow_up_deadlines`` and ``follow_up_notices``: the follow-up deadlines (R11) as the
scheduler needs them, indexed by when each next needs attention, and the reminders and
overdue notices to deliver, keyed by their position in the log."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, ClassVar, TypedDict, cast
from uuid import UUID

from kaflow.aggregates.deadline import is_missed
from kaflow.projections import Cut, View, iso, ts
from kaflow.projections.db import Cursor


class DeadlinesView(View):
    name = "deadlines"
    version = 4
    tables = ("follow_up_deadlines", "follow_up_notices")
    schema = """
    CREATE TABLE follow_up_deadlines (
        account_id TEXT NOT NULL,       -- the account (32 hex digits)
        deadline INTEGER NOT NULL,      -- the number of the visit that opened it
        lead TEXT NOT NULL,             -- who led the visit
        visit_at TEXT NOT NULL,         -- when the visit took place (ISO 8601)
        due_at TEXT NOT NULL,           -- visit_at + follow_up_within
        remind_at TEXT,                 -- due_at - remind_before, if a reminder was set
        follow_up_within TEXT NOT NULL, -- the policy it was opened under (ISO 8601)
        remind_before TEXT,
        reminded_at TEXT,               -- when the reminder was recorded
        overdue_at TEXT,                -- when it was found missed (FollowUpOverdue)
        status TEXT NOT NULL,           -- open | closed
        closed_by TEXT,                 -- follow_up | visit | lost
        closed_at TEXT,                 -- when the step that closed it took place
        late_by_seconds INTEGER,        -- how late that step was (0: in time)
        due_ts REAL NOT NULL,           -- due_at in seconds since the epoch
        next_ts REAL,                   -- when the scheduler next has work for it, if ever
        opened_ts REAL NOT NULL,        -- when the visit opening it was recorded
        overdue_ts REAL,                -- when the miss was recorded
        closed_ts REAL,                 -- when the step closing it was recorded
        visit_ts REAL NOT NULL,         -- visit_at in seconds since the epoch
        overdue_noticed_ts REAL,        -- overdue_at in seconds since the epoch
        closed_at_ts REAL,              -- closed_at in seconds since the epoch
        PRIMARY KEY (account_id, deadline)
    );
    CREATE INDEX follow_up_deadlines_next ON follow_up_deadlines (next_ts)
        WHERE next_ts IS NOT NULL;
    CREATE INDEX follow_up_deadlines_open ON follow_up_deadlines (status, due_ts);
    CREATE INDEX follow_up_deadlines_visit ON follow_up_deadlines (visit_ts);
    CREATE INDEX follow_up_deadlines_opened ON follow_up_deadlines (opened_ts);
    CREATE TABLE follow_up_notices (
        position INTEGER PRIMARY KEY,   -- the notice event's position in the log
        kind TEXT NOT NULL,             -- reminder | overdue
        account_id TEXT NOT NULL,
        deadline INTEGER NOT NULL,
        noticed_at TEXT NOT NULL,
        noticed_by TEXT NOT NULL,       -- the scheduler, or the user whose step found it
        notified TEXT NOT NULL          -- JSON list of the people told
    );
    """
    handlers: ClassVar[dict[str, str]] = {
        "FollowUpDeadlineOpened": "opened",
        "FollowUpReminded": "reminded",
        "FollowUpOverdue": "overdue",
        "FollowUpDeadlineClosed": "closed",
    }

    def opened(self, db: Cursor, event: Any, position: int) -> None:
        remind = event.remind_at
        self.insert(
            "INSERT INTO follow_up_deadlines (account_id, deadline, lead, visit_at, due_at, "
            "remind_at, follow_up_within, remind_before, status, due_ts, next_ts, opened_ts, "
            "visit_ts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?)",
            (
                event.originator_id.hex,
                event.deadline,
                event.lead,
                iso(event.visit_at),
                iso(event.due_at),
                iso(remind),
                event.policy["follow_up_within"],
                event.policy["remind_before"],
                ts(event.due_at),
                ts(remind if remind is not None else event.due_at),
                ts(event.timestamp),
                ts(event.visit_at),
            ),
        )

    def reminded(self, db: Cursor, event: Any, position: int) -> None:
        self.flush(db)  # the deadline may be queued still
        db.execute(
            "UPDATE follow_up_deadlines SET reminded_at = ?, next_ts = due_ts "
            "WHERE account_id = ? AND deadline = ?",
            (iso(event.noticed_at), event.originator_id.hex, event.deadline),
        )
        self._notice(db, "reminder", event, position, "scheduler")

    def overdue(self, db: Cursor, event: Any, position: int) -> None:
        self.flush(db)
        db.execute(
            "UPDATE follow_up_deadlines SET overdue_at = ?, next_ts = NULL, overdue_ts = ?, "
            "overdue_noticed_ts = ? WHERE account_id = ? AND deadline = ?",
            (
                iso(event.noticed_at),
                ts(event.timestamp),
                ts(event.noticed_at),
                event.originator_id.hex,
                event.deadline,
            ),
        )
        self._notice(db, "overdue", event, position, event.by)

    def closed(self, db: Cursor, event: Any, position: int) -> None:
        self.flush(db)
        db.execute(
            "UPDATE follow_up_deadlines SET status = 'closed', closed_by = ?, closed_at = ?, "
            "late_by_seconds = ?, next_ts = NULL, closed_ts = ?, closed_at_ts = ? "
            "WHERE account_id = ? AND deadline = ?",
            (
                event.how,
                iso(event.at),
                event.late_by_seconds,
                ts(event.timestamp),
                ts(event.at),
                event.originator_id.hex,
                event.deadline,
            ),
        )

    def _notice(self, db: Cursor, kind: str, event: Any, position: int, by: str) -> None:
        self.insert(
            "INSERT INTO follow_up_notices VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                position,
                kind,
                event.originator_id.hex,
                event.deadline,
                iso(event.noticed_at),
                by,
                json.dumps(event.notified),
            ),
        )


# R11's "missed" (``kaflow.aggregates.deadline.is_missed``: settled strictly after the
# due time) as the views ask it, on the seconds since the epoch they index: a deadline
# not settled by the time given as the parameter has been missed by then.
MISSED_BY = "d.due_ts < ?"
PASSED = f"CASE WHEN {MISSED_BY} THEN 1 ELSE 0 END AS passed"
Row = dict[str, Any]


class Due(TypedDict):
    account_id: str
    deadline: int
    lead: str
    due_at: str
    next_ts: float


def open_deadlines(
    views: Any, now: datetime, overdue_only: bool = False, lead: str | None = None
) -> list[Row]:
    """Open follow-up deadlines (R11), earliest due first: account, visit, lead, due,
    time left (negative: overdue); with ``lead``, those of visits that user led."""
    with views.reading() as cursor:
        rows = cursor.execute(
            f"SELECT d.*, a.name, {PASSED} FROM follow_up_deadlines d LEFT JOIN accounts a "
            "USING (account_id) WHERE d.status = 'open' "
            + ("AND d.lead = ? " if lead is not None else "")
            + "ORDER BY d.due_ts, d.account_id, d.deadline",
            (now.timestamp(), *([lead] if lead is not None else [])),
        ).fetchall()
    found = []
    for row in rows:
        if overdue_only and not row["passed"]:
            continue
        found.append(
            {
                "account": {"id": str(UUID(row["account_id"])), "name": row["name"]},
                "visit": row["deadline"],
                "visit_at": row["visit_at"],
                "lead": row["lead"],
                "due_at": row["due_at"],
                "seconds_left": int(row["due_ts"] - now.timestamp()),
                "overdue": bool(row["passed"]),
                "overdue_recorded_at": row["overdue_at"],
                "reminded_at": row["reminded_at"],
                "follow_up_within": row["follow_up_within"],
            }
        )
    return found


def deadline_counts(cursor: Cursor, now: datetime, week: float) -> tuple[int, int]:
    """Open deadlines overdue at ``now``, and due within ``week`` seconds of it."""
    at = now.timestamp()
    row = cursor.execute(
        "SELECT coalesce(sum(CASE WHEN d.due_ts < ? THEN 1 ELSE 0 END), 0) AS overdue, "
        "coalesce(sum(CASE WHEN d.due_ts >= ? AND d.due_ts <= ? THEN 1 ELSE 0 END), 0) AS soon "
        "FROM follow_up_deadlines d WHERE d.status = 'open'",
        (at, at, at + week),
    ).fetchone()
    return int(row["overdue"]), int(row["soon"])


def deadlines_as_of(cursor: Cursor, cut: Cut) -> list[Row]:
    """Every deadline opened inside ``cut`` (its visit), earliest due first, with its
    account's name and what the cut says of it: ``closed`` (settled), ``passed`` (its due
    time gone by the cut's moment: missed, unless settled), ``missed`` (settled after its
    due time, or its miss recorded)."""
    rows = cursor.execute(
        f"SELECT d.*, a.name, {PASSED} FROM follow_up_deadlines d LEFT JOIN accounts a "
        f"USING (account_id) WHERE {cut.where('d', 'visit_ts', 'opened_ts')}",
        (cut.moment, *cut),
    ).fetchall()
    found = [_as_of(dict(row), cut) for row in rows]
    return sorted(found, key=lambda d: (d["due_ts"], d["account_id"], d["deadline"]))


def _inside(happened: float | None, recorded: float | None, cut: Cut) -> bool:
    if happened is None or recorded is None:
        return False
    return happened <= cut.happened and recorded <= cut.recorded


def _as_of(row: Row, cut: Cut) -> Row:
    closed = _inside(row["closed_at_ts"], row["closed_ts"], cut)
    recorded = _inside(row["overdue_noticed_ts"], row["overdue_ts"], cut)
    late = closed and is_missed(
        datetime.fromisoformat(row["due_at"]), datetime.fromisoformat(row["closed_at"])
    )
    return {
        **row,
        "passed": bool(row["passed"]),
        "closed": closed,
        "recorded_miss": recorded,
        "missed": recorded or late,
    }


def due(views: Any, now: datetime) -> list[Due]:
    """Deadlines with work due by ``now``, earliest first (an indexed range scan)."""
    with views.reading() as cursor:
        rows = cursor.execute(
            "SELECT account_id, deadline, lead, due_at, next_ts FROM follow_up_deadlines "
            "WHERE next_ts IS NOT NULL AND next_ts <= ? ORDER BY next_ts, account_id, deadline",
            (now.timestamp(),),
        )
        return [cast(Due, dict(row)) for row in rows]


def pending_count(views: Any) -> int:
    """How many deadlines have work still to come."""
    with views.reading() as cursor:
        row = cursor.execute(
            "SELECT count(*) FROM follow_up_deadlines WHERE next_ts IS NOT NULL"
        ).fetchone()
        return int(row[0])


def notices_after(views: Any, after: int, limit: int = 1000) -> list[Row]:
    """The notices recorded after log position ``after``, in order, each with its
    deadline (lead, visit, due, when it closed) and its account's name."""
    with views.reading() as cursor:
        rows = cursor.execute(
            "SELECT n.*, d.lead, d.visit_at, d.due_at, d.closed_at, a.name "
            "FROM follow_up_notices n "
            "JOIN follow_up_deadlines d USING (account_id, deadline) "
            "LEFT JOIN accounts a USING (account_id) "
            "WHERE n.position > ? ORDER BY n.position LIMIT ?",
            (after, limit),
        ).fetchall()
    return [dict(row) for row in rows]
