"""``pipeline_*``: dated facts the reports read, each with when it happened and when it
was recorded, so that a report can be asked as of any past moment (``--as-of``) by
keeping only the facts recorded by then."""

from __future__ import annotations

from typing import Any, ClassVar

from kaflow.projections import View, iso
from kaflow.projections.db import Cursor

# The steps that move an account and are not entries of the record (those that are, a
# contact, a visit, a follow-up, carry their state in ``ledger_entries``).
STATE_EVENTS = ("Identified", "Analysed", "Won", "Lost", "Reopened")


class PipelineView(View):
    name = "pipeline"
    version = 8
    tables = ("pipeline_states", "pipeline_outcomes", "pipeline_values")
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
        PRIMARY KEY (account_id, seq)
    );
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
        PRIMARY KEY (account_id, seq)
    );
    CREATE TABLE pipeline_values (
        account_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        development_value TEXT NOT NULL, -- from the analysis (decimal as text)
        recorded_ts REAL NOT NULL,
        PRIMARY KEY (account_id, seq)
    );
    """
    handlers: ClassVar[dict[str, str]] = {
        **dict.fromkeys(STATE_EVENTS, "state"),
        "Reviewed": "reviewed",
    }

    def reviewed(self, db: Cursor, e: Any, position: int) -> None:
        self.insert(
            "INSERT INTO pipeline_outcomes VALUES (?, ?, 'reviewed', NULL, ?, NULL, NULL, NULL, "
            "?, ?, ?, ?)",
            (
                e.originator_id.hex,
                e.originator_version,
                e.remarks,
                e.actor,
                iso(e.occurred_at),
                iso(e.timestamp),
                e.timestamp.timestamp(),
            ),
        )

    def state(self, db: Cursor, e: Any, position: int) -> None:
        account, seq, name = e.originator_id.hex, e.originator_version, type(e).__name__
        state = "identified" if name == "Identified" else e.state
        self.insert(
            "INSERT INTO pipeline_states VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                account,
                seq,
                state,
                name,
                iso(e.occurred_at),
                e.occurred_at.timestamp(),
                iso(e.timestamp),
                e.timestamp.timestamp(),
            ),
        )
        common = (e.actor, iso(e.occurred_at), iso(e.timestamp), e.timestamp.timestamp())
        if name == "Won":
            self.insert(
                "INSERT INTO pipeline_outcomes VALUES (?, ?, 'won', ?, ?, NULL, NULL, NULL, "
                "?, ?, ?, ?)",
                (account, seq, e.classification, e.summary, *common),
            )
        elif name == "Lost":
            self.insert(
                "INSERT INTO pipeline_outcomes VALUES (?, ?, 'lost', NULL, NULL, ?, ?, ?, "
                "?, ?, ?, ?)",
                (account, seq, e.reason, e.lost_in, e.analysis, *common),
            )
        elif name == "Reopened":
            self.insert(
                "INSERT INTO pipeline_outcomes VALUES (?, ?, 'reopened', NULL, NULL, ?, NULL, "
                "NULL, ?, ?, ?, ?)",
                (account, seq, e.reason, *common),
            )
        elif name == "Analysed":
            self.insert(
                "INSERT INTO pipeline_values VALUES (?, ?, ?, ?)",
                (account, seq, str(e.development_value), e.timestamp.timestamp()),
            )
