"""``accounts``: one row per account, its name and where it stands."""

from __future__ import annotations

import sqlite3
from typing import Any, ClassVar

from kaflow.projections import View, iso


class AccountsView(View):
    name = "accounts"
    tables = ("accounts",)
    schema = """
    CREATE TABLE accounts (
        account_id TEXT PRIMARY KEY,  -- the account's id (32 hex digits, no dashes)
        name TEXT NOT NULL,
        category TEXT NOT NULL,       -- R1: existing | potential | competitor
        state TEXT NOT NULL,          -- identified | analysed | ... | won | lost
        identified_at TEXT NOT NULL,  -- when it was identified (ISO 8601)
        state_since TEXT NOT NULL     -- when it entered its state
    );
    CREATE INDEX accounts_state ON accounts (state);
    """
    handlers: ClassVar[dict[str, str]] = {
        "Identified": "identified",
        "Analysed": "moved",
        "ContactRecorded": "moved",
        "VisitRecorded": "moved",
        "FollowUpRecorded": "moved",
        "Won": "moved",
        "Lost": "moved",
        "Reopened": "moved",
    }

    def identified(self, db: sqlite3.Cursor, event: Any, position: int) -> None:
        db.execute(
            "INSERT INTO accounts VALUES (?, ?, ?, 'identified', ?, ?)",
            (
                event.originator_id.hex,
                event.name,
                event.category,
                iso(event.occurred_at),
                iso(event.occurred_at),
            ),
        )

    def moved(self, db: sqlite3.Cursor, event: Any, position: int) -> None:
        db.execute(
            "UPDATE accounts SET state = ?, "
            "state_since = CASE WHEN state = ? AND ? != 'VisitRecorded' THEN state_since "
            "ELSE ? END WHERE account_id = ?",
            (
                event.state,
                event.state,
                type(event).__name__,
                iso(event.occurred_at),
                event.originator_id.hex,
            ),
        )
