"""``pipeline_*``: dated facts the reports read, each with when it happened and when it
was recorded, so that a report can be asked as the work stood at a moment, as the record
stood at a moment, or both (a ``Cut``): an indexed range of rows, not a replay."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, NamedTuple, TypedDict, cast

from kaflow.projections import Cut, View, iso, period
from kaflow.projections.db import Cursor

# The steps that move an account and are not entries of the record (those that are, a
# contact, a visit, a follow-up, carry their state in ``ledger_entries``).
STATE_EVENTS = ("Identified", "Analysed", "Won", "Lost", "Reopened")
# The entries of the record that move an account: only the states they reach are kept here.
ENTRY_MOVES = ("ContactRecorded", "VisitRecorded", "FollowUpRecorded")


class PipelineView(View):
    name = "pipeline"
    version = 11
    tables = ("pipeline_states", "pipeline_outcomes", "pipeline_values", "pipeline_reached")
    retired = ("pipeline_visits",)  # visits are read from the record's entries
    schema = """
    CREATE TABLE pipeline_states (
        account_id TEXT NOT NULL,
        seq INTEGER NOT NULL,           -- the event's number on the account
        state TEXT NOT NULL,            -- the state the step moved the account to
        event TEXT NOT NULL,            -- the step, e.g. VisitRecorded
        occurred_at TEXT NOT NULL,
        occurred_ts REAL NOT NULL,
        recorded_at TEXT NOT NULL,
        recorded_ts REAL NOT NULL,
        actor TEXT NOT NULL,            -- who recorded it
        PRIMARY KEY (account_id, seq)
    );
    CREATE INDEX pipeline_states_occurred ON pipeline_states (occurred_ts);
    CREATE INDEX pipeline_states_recorded ON pipeline_states (recorded_ts);
    CREATE TABLE pipeline_outcomes (
        account_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        result TEXT NOT NULL,           -- won | lost | reopened | reviewed (the record, R14)
        classification TEXT,            -- won: the key-account class (R12)
        summary TEXT,                   -- won: the success summary; reviewed: the remarks
        reason TEXT,                    -- lost: price | quality | service | ... (R13)
        lost_in TEXT,                   -- lost: the state it was lost in
        analysis TEXT,                  -- lost: the failure analysis (R13)
        actor TEXT NOT NULL,
        occurred_at TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        recorded_ts REAL NOT NULL,
        occurred_ts REAL NOT NULL,
        PRIMARY KEY (account_id, seq)
    );
    CREATE TABLE pipeline_values (
        account_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        development_value TEXT NOT NULL, -- from the analysis (decimal as text)
        recorded_ts REAL NOT NULL,
        occurred_ts REAL NOT NULL,
        PRIMARY KEY (account_id, seq)
    );
    CREATE INDEX pipeline_outcomes_occurred ON pipeline_outcomes (occurred_ts);
    CREATE TABLE pipeline_reached (     -- each state each account ever reached, once
        state TEXT NOT NULL,
        account_id TEXT NOT NULL,
        PRIMARY KEY (state, account_id)
    );
    """
    handlers: ClassVar[dict[str, str]] = {
        **dict.fromkeys(STATE_EVENTS, "state"),
        **dict.fromkeys(ENTRY_MOVES, "reached"),
        "Reviewed": "reviewed",
    }
    REACHED = "INSERT INTO pipeline_reached VALUES (?, ?) ON CONFLICT DO NOTHING"

    def reached(self, db: Cursor, e: Any, position: int) -> None:
        self.insert(self.REACHED, (e.state, e.originator_id.hex))

    def reviewed(self, db: Cursor, e: Any, position: int) -> None:
        self.insert(
            "INSERT INTO pipeline_outcomes VALUES (?, ?, 'reviewed', NULL, ?, NULL, NULL, NULL, "
            "?, ?, ?, ?, ?)",
            (
                e.originator_id.hex,
                e.originator_version,
                e.remarks,
                e.actor,
                iso(e.occurred_at),
                iso(e.timestamp),
                e.timestamp.timestamp(),
                e.occurred_at.timestamp(),
            ),
        )

    def state(self, db: Cursor, e: Any, position: int) -> None:
        account, seq, name = e.originator_id.hex, e.originator_version, type(e).__name__
        state = "identified" if name == "Identified" else e.state
        self.insert(self.REACHED, (state, account))
        self.insert(
            "INSERT INTO pipeline_states VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                account,
                seq,
                state,
                name,
                iso(e.occurred_at),
                e.occurred_at.timestamp(),
                iso(e.timestamp),
                e.timestamp.timestamp(),
                e.actor,
            ),
        )
        common = (
            e.actor,
            iso(e.occurred_at),
            iso(e.timestamp),
            e.timestamp.timestamp(),
            e.occurred_at.timestamp(),
        )
        if name == "Won":
            self.insert(
                "INSERT INTO pipeline_outcomes VALUES (?, ?, 'won', ?, ?, NULL, NULL, NULL, "
                "?, ?, ?, ?, ?)",
                (account, seq, e.classification, e.summary, *common),
            )
        elif name == "Lost":
            self.insert(
                "INSERT INTO pipeline_outcomes VALUES (?, ?, 'lost', NULL, NULL, ?, ?, ?, "
                "?, ?, ?, ?, ?)",
                (account, seq, e.reason, e.lost_in, e.analysis, *common),
            )
        elif name == "Reopened":
            self.insert(
                "INSERT INTO pipeline_outcomes VALUES (?, ?, 'reopened', NULL, NULL, ?, NULL, "
                "NULL, ?, ?, ?, ?, ?)",
                (account, seq, e.reason, *common),
            )
        elif name == "Analysed":
            self.insert(
                "INSERT INTO pipeline_values VALUES (?, ?, ?, ?, ?)",
                (
                    account,
                    seq,
                    str(e.development_value),
                    e.timestamp.timestamp(),
                    e.occurred_at.timestamp(),
                ),
            )


class StateAt(NamedTuple):
    account_id: str
    seq: int
    state: str
    occurred_ts: float


class Step(NamedTuple):
    account_id: str
    seq: int
    event: str  # the step's event, e.g. VisitRecorded
    occurred_at: str


class Outcome(TypedDict):
    account_id: str
    seq: int
    result: str
    classification: str | None
    summary: str | None
    reason: str | None
    lost_in: str | None
    analysis: str | None
    actor: str
    occurred_at: str
    recorded_at: str
    recorded_ts: float
    occurred_ts: float


class Done(NamedTuple):
    account_id: str
    actor: str  # who recorded the step


def states(cursor: Cursor, cut: Cut) -> list[StateAt]:
    """Every account's states in order, inside ``cut``: from the steps here and from
    the record's entries that moved it."""
    rows = cursor.execute(
        f"SELECT account_id, seq, state, occurred_ts FROM pipeline_states WHERE {cut.where()} "
        "UNION ALL SELECT account_id, seq, state, occurred_ts FROM ledger_entries "
        f"WHERE {cut.where()} AND state IS NOT NULL",
        (*cut, *cut),
    )
    return sorted(StateAt(*row) for row in rows)


def steps(cursor: Cursor, cut: Cut) -> list[Step]:
    """Every step inside ``cut``, by account and in order: the moves here, the record's
    entries and the reviews, each named by its event."""
    rows = cursor.execute(
        f"SELECT account_id, seq, event, occurred_at FROM pipeline_states WHERE {cut.where()} "
        "UNION ALL SELECT account_id, seq, CASE kind WHEN 'meeting' THEN 'ApproachDecided' "
        "WHEN 'conference' THEN 'ConferenceHeld' WHEN 'material' THEN 'MaterialPrepared' "
        "WHEN 'contact' THEN 'ContactRecorded' WHEN 'visit' THEN 'VisitRecorded' "
        f"ELSE 'FollowUpRecorded' END, occurred_at FROM ledger_entries WHERE {cut.where()} "
        "UNION ALL SELECT account_id, seq, 'Reviewed', occurred_at FROM pipeline_outcomes "
        f"WHERE {cut.where()} AND result = 'reviewed'",
        (*cut, *cut, *cut),
    )
    return sorted(Step(*row) for row in rows)


def outcomes(cursor: Cursor, cut: Cut) -> list[Outcome]:
    """Wins, losses and reopenings inside ``cut`` (not reviews), by account and in
    order."""
    rows = cursor.execute(
        f"SELECT * FROM pipeline_outcomes WHERE {cut.where()} AND result != 'reviewed'",
        tuple(cut),
    ).fetchall()
    found = [cast(Outcome, dict(row)) for row in rows]
    return sorted(found, key=lambda o: (o["account_id"], o["seq"]))


def development_values(cursor: Cursor, cut: Cut) -> dict[str, str]:
    """Each account's latest development value inside ``cut`` (decimal as text)."""
    rows = cursor.execute(
        f"SELECT account_id, seq, development_value FROM pipeline_values WHERE {cut.where()}",
        tuple(cut),
    ).fetchall()
    return {account: value for account, _, value in sorted(tuple(r) for r in rows)}


def steps_done(
    cursor: Cursor, cut: Cut, since: datetime | None = None, until: datetime | None = None
) -> list[Done]:
    """The steps inside ``cut`` that happened between ``since`` and ``until`` (if given):
    the moves here, the record's entries and the reviews, each with who recorded it."""
    within, params = period("occurred_ts", since, until)
    rows = cursor.execute(
        f"SELECT account_id, actor FROM pipeline_states WHERE {cut.where()}{within} "
        f"UNION ALL SELECT account_id, actor FROM ledger_entries WHERE {cut.where()}{within} "
        "UNION ALL SELECT account_id, actor FROM pipeline_outcomes WHERE result = 'reviewed' "
        f"AND {cut.where()}{within}",
        (*cut, *params) * 3,
    )
    return [Done(*row) for row in rows]


def stage_counts(cursor: Cursor) -> tuple[dict[str, int], dict[str, int]]:
    """For the accounts not archived, as the log stands: how many are in each state now,
    and how many ever reached each state (the funnel report's first columns, counted in
    the database: a dashboard reads them on every visit)."""
    now = cursor.execute(  # the state each account is in: the accounts view keeps it
        "SELECT state, count(*) AS n FROM accounts WHERE archived_ts IS NULL GROUP BY state"
    ).fetchall()
    reached = cursor.execute(
        "SELECT state, count(*) AS n FROM pipeline_reached WHERE account_id NOT IN "
        "(SELECT account_id FROM accounts WHERE archived_ts IS NOT NULL) GROUP BY state"
    ).fetchall()
    return {r["state"]: r["n"] for r in now}, {r["state"]: r["n"] for r in reached}
