"""``accounts``: one row per account, its name, owner and where it stands; what
``prospect list`` finds, filters and sorts."""

from __future__ import annotations

from typing import Any, ClassVar

from kaflow.projections import View, iso
from kaflow.projections.db import Cursor
from kaflow.projections.names import duplicate_key, grams, search_key

STEPS = (
    "Analysed",
    "ApproachDecided",
    "ContactRecorded",
    "ConferenceHeld",
    "MaterialPrepared",
    "VisitRecorded",
    "FollowUpRecorded",
    "Won",
    "Lost",
    "Reopened",
)
SORTS = {  # the default: in the order they were added
    "identified": "identified_ts, position",
    "name": "name, position",
    "state": "state_order, position",
    "last-step": "last_step_ts, position",  # the longest idle first
}
STATE_ORDER = ("identified", "analysed", "contacted", "visited", "followed_up", "won", "lost")


class AccountsView(View):
    name = "accounts"
    version = 6
    row_table = "accounts"
    tables = ("accounts", "account_grams")
    schema = """
    CREATE TABLE accounts (
        account_id TEXT PRIMARY KEY,  -- the account's id (32 hex digits, no dashes)
        position INTEGER NOT NULL,    -- where it was identified in the log: list order
        name TEXT NOT NULL,
        search_key TEXT NOT NULL,     -- the name's letters and digits, folded (search_key)
        duplicate_key TEXT NOT NULL,  -- the name without company suffixes (duplicate_key)
        category TEXT NOT NULL,       -- R1: existing | potential | competitor
        owner TEXT NOT NULL,          -- the responsible salesperson
        state TEXT NOT NULL,          -- identified | analysed | ... | won | lost
        state_order INTEGER NOT NULL, -- the state's place in the lifecycle
        identified_at TEXT NOT NULL,  -- when it was identified (ISO 8601)
        identified_ts REAL NOT NULL,
        state_since TEXT NOT NULL,    -- when it entered its state
        last_step_at TEXT NOT NULL,   -- when its latest step happened
        last_step_ts REAL NOT NULL,
        archived_ts REAL,             -- when it was archived (recorded), if it was
        archived_at_ts REAL           -- when it was archived (as the step is dated)
    );
    CREATE INDEX accounts_state ON accounts (state);
    CREATE INDEX accounts_owner ON accounts (owner);
    CREATE INDEX accounts_last_step ON accounts (last_step_ts);
    CREATE INDEX accounts_archived ON accounts (archived_ts) WHERE archived_ts IS NOT NULL;
    CREATE TABLE account_grams (      -- the search index: each pair of characters of a name
        gram TEXT NOT NULL,           -- (as its search_key has them) and the accounts with it
        account_id TEXT NOT NULL,
        PRIMARY KEY (gram, account_id)
    );
    """
    handlers: ClassVar[dict[str, str]] = {
        "Identified": "identified",
        **dict.fromkeys(STEPS, "moved"),
        "AccountAssigned": "assigned",
        "AccountEdited": "edited",
        "AccountArchived": "archived",
    }

    def identified(self, db: Cursor, e: Any, position: int) -> None:
        at = iso(e.occurred_at)
        self.new_row(
            e.originator_id.hex,
            position=position,
            name=e.name,
            search_key=search_key(e.name),
            duplicate_key=duplicate_key(e.name),
            category=e.category,
            owner=e.actor,
            state="identified",
            state_order=0,
            identified_at=at,
            identified_ts=e.occurred_at.timestamp(),
            state_since=at,
            last_step_at=at,
            last_step_ts=e.occurred_at.timestamp(),
            archived_ts=None,
            archived_at_ts=None,
        )
        self._index(e.originator_id.hex, e.name)

    def _index(self, account: str, name: str) -> None:
        for gram in grams(search_key(name)):
            self.insert("INSERT INTO account_grams VALUES (?, ?)", (gram, account))

    def moved(self, db: Cursor, e: Any, position: int) -> None:
        row = self.row(db, e.originator_id.hex)
        state = getattr(e, "state", row["state"])
        if row["state"] != state or type(e).__name__ == "VisitRecorded":
            row["state_since"] = iso(e.occurred_at)  # a visit starts its state again
        row["state"] = state
        row["state_order"] = STATE_ORDER.index(state)
        if e.occurred_at.timestamp() > row["last_step_ts"]:
            row["last_step_at"] = iso(e.occurred_at)
            row["last_step_ts"] = e.occurred_at.timestamp()

    def assigned(self, db: Cursor, e: Any, position: int) -> None:
        self.row(db, e.originator_id.hex)["owner"] = e.to_owner

    def edited(self, db: Cursor, e: Any, position: int) -> None:
        row = self.row(db, e.originator_id.hex)
        for name in ("name", "category"):
            if name in e.changes:
                row[name] = e.changes[name]["new"]
        row["search_key"] = search_key(row["name"])
        row["duplicate_key"] = duplicate_key(row["name"])
        if "name" in e.changes:
            self.flush(db)  # its old name's pairs may be queued still
            db.execute("DELETE FROM account_grams WHERE account_id = ?", (row["account_id"],))
            self._index(row["account_id"], row["name"])

    def archived(self, db: Cursor, e: Any, position: int) -> None:
        row = self.row(db, e.originator_id.hex)
        row["archived_ts"] = e.timestamp.timestamp()
        row["archived_at_ts"] = e.occurred_at.timestamp()
