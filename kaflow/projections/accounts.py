"""``accounts``: one row per account, its name and where it stands."""

from __future__ import annotations

from typing import Any, ClassVar

from kaflow.projections import View, iso
from kaflow.projections.db import Cursor


class AccountsView(View):
    name = "accounts"
    row_table = "accounts"
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

    def identified(self, db: Cursor, e: Any, position: int) -> None:
        at = iso(e.occurred_at)
        self.new_row(
            e.originator_id.hex,
            name=e.name,
            category=e.category,
            state="identified",
            identified_at=at,
            state_since=at,
        )

    def moved(self, db: Cursor, e: Any, position: int) -> None:
        row = self.row(db, e.originator_id.hex)
        if row["state"] != e.state or type(e).__name__ == "VisitRecorded":
            row["state_since"] = iso(e.occurred_at)  # a visit starts its state again
        row["state"] = e.state


def account_names(cursor: Cursor) -> dict[str, str]:
    """Every account's name, by its id as the views keep it (hex)."""
    return dict(cursor.execute("SELECT account_id, name FROM accounts").fetchall())


def names(views: Any) -> dict[str, str]:
    """``account_names``, read in a transaction of its own."""
    with views.reading() as cursor:
        return account_names(cursor)
