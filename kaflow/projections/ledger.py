"""``ledger_accounts``, ``ledger_entries``, ``ledger_changes``: the development record
(R14, 大客户开发备案表) of every account, won, lost or open."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, ClassVar

from kaflow.aggregates.record import ENTRY_KINDS, columns, details, sides
from kaflow.projections import View, iso
from kaflow.projections.db import Cursor


class LedgerView(View):
    name = "ledger"
    row_table = "ledger_accounts"
    version = 11
    tables = ("ledger_accounts", "ledger_entries", "ledger_changes", "ledger_outcomes")
    sql_views = ("ledger_entries_numbered",)
    schema = """
    CREATE TABLE ledger_accounts (
        account_id TEXT PRIMARY KEY,
        name TEXT NOT NULL,             -- 客户名称
        category TEXT NOT NULL,         -- R1 classification when identified
        nature TEXT NOT NULL,
        product_line TEXT NOT NULL,     -- R1: the product line it needs
        service TEXT NOT NULL,          -- R1: the service it needs
        result TEXT NOT NULL,           -- 开发结果: open | won | lost
        classification TEXT,            -- the key-account class given when won (R12)
        development_value TEXT,         -- from the latest analysis (decimal as text)
        first_at TEXT NOT NULL,         -- the first record: when it was identified
        result_at TEXT,                 -- when it was won or lost
        summary TEXT,                   -- 成功/失败总结: the win summary or loss analysis
        loss_reason TEXT,
        remarks TEXT,                   -- 备注: the latest review's remarks
        compiled_at TEXT NOT NULL,      -- 编制日期: when the record was first filed
        compiled_by TEXT NOT NULL,      -- 编制人: who identified the account
        reviewed_at TEXT,               -- 审核日期
        reviewed_by TEXT,
        changes INTEGER NOT NULL        -- 修改次数: corrections made
    );
    CREATE TABLE ledger_entries (
        account_id TEXT NOT NULL,
        seq INTEGER NOT NULL,           -- the event's number on the account: entries in order
        kind TEXT NOT NULL,             -- meeting|contact|conference|material|visit|follow_up
        state TEXT,                     -- the state the step moved the account to, if any
        occurred_at TEXT NOT NULL,      -- when it happened
        occurred_ts REAL NOT NULL,      -- occurred_at in seconds since the epoch
        recorded_at TEXT NOT NULL,
        recorded_ts REAL NOT NULL,      -- recorded_at in seconds since the epoch
        actor TEXT NOT NULL,            -- who recorded it
        person TEXT NOT NULL,           -- as earlier releases showed it: the person
                                        -- reached, the participants, or the lead
        channel TEXT NOT NULL,          -- channel, method or manner
        attitude TEXT NOT NULL,         -- the customer's attitude or views
        notes TEXT NOT NULL,            -- progress notes
        details TEXT NOT NULL,          -- the entry's own fields, as corrected (JSON)
        reached TEXT NOT NULL,          -- 接触对象: the customer's people reached
        led_by TEXT NOT NULL,           -- 主持/带队: our own who chaired, led, took part
        PRIMARY KEY (account_id, seq)
    );
    CREATE INDEX ledger_entries_occurred ON ledger_entries (occurred_ts);
    CREATE INDEX ledger_entries_recorded ON ledger_entries (recorded_ts);
    CREATE VIEW ledger_entries_numbered AS  -- with each entry's number on the record
        SELECT row_number() OVER (PARTITION BY account_id ORDER BY seq) AS entry, *
        FROM ledger_entries;
    CREATE TABLE ledger_changes (
        account_id TEXT NOT NULL,
        change INTEGER NOT NULL,        -- 1, 2, ...
        entry INTEGER NOT NULL,
        field TEXT NOT NULL,
        old TEXT NOT NULL,
        new TEXT NOT NULL,
        reason TEXT NOT NULL,
        changed_at TEXT NOT NULL,       -- 修改日期: when the correction was recorded
        changed_ts REAL NOT NULL,       -- changed_at in seconds since the epoch
        changed_by TEXT NOT NULL,
        occurred_ts REAL NOT NULL,      -- when the change was made (as a step is dated)
        PRIMARY KEY (account_id, change)
    );
    CREATE INDEX ledger_changes_occurred ON ledger_changes (occurred_ts);
    CREATE INDEX ledger_changes_changed ON ledger_changes (changed_ts);
    CREATE TABLE ledger_outcomes (      -- the losses and reopenings, kept as dated entries
        account_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        kind TEXT NOT NULL,             -- loss | reopen
        occurred_at TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        actor TEXT NOT NULL,
        reason TEXT NOT NULL,           -- the classified reason lost, or why reopened
        analysis TEXT,                  -- the failure analysis (R13)
        lost_in TEXT,                   -- the state it was lost in
        PRIMARY KEY (account_id, seq)
    );
    """
    handlers: ClassVar[dict[str, str]] = {
        "Identified": "identified",
        "Analysed": "analysed",
        **dict.fromkeys(ENTRY_KINDS, "entry"),
        "Won": "won",
        "Lost": "lost",
        "Reopened": "reopened",
        "Reviewed": "reviewed",
        "EntryCorrected": "corrected",
        "AccountEdited": "edited",
    }

    def identified(self, db: Cursor, e: Any, position: int) -> None:
        self.new_row(
            e.originator_id.hex,
            name=e.name,
            category=e.category,
            nature=e.nature,
            product_line=e.product_line,
            service=e.service,
            result="open",
            classification=None,
            development_value=None,
            first_at=iso(e.occurred_at),
            result_at=None,
            summary=None,
            loss_reason=None,
            remarks=None,
            compiled_at=iso(e.timestamp),
            compiled_by=e.actor,
            reviewed_at=None,
            reviewed_by=None,
            changes=0,
        )

    def analysed(self, db: Cursor, e: Any, position: int) -> None:
        self._set(db, e, development_value=str(e.development_value))

    def entry(self, db: Cursor, e: Any, position: int) -> None:
        kind = ENTRY_KINDS[type(e).__name__]
        fields = details(e)
        account = e.originator_id.hex
        self.insert(
            "INSERT INTO ledger_entries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                account,
                e.originator_version,
                kind,
                getattr(e, "state", None),
                iso(e.occurred_at),
                e.occurred_at.timestamp(),
                iso(e.timestamp),
                e.timestamp.timestamp(),
                e.actor,
                *columns(kind, fields),
                json.dumps(fields, ensure_ascii=False),
                *sides(kind, fields),
            ),
        )

    def won(self, db: Cursor, e: Any, position: int) -> None:
        self._set(
            db,
            e,
            result="won",
            classification=e.classification,
            summary=e.summary,
            result_at=iso(e.occurred_at),
        )

    def lost(self, db: Cursor, e: Any, position: int) -> None:
        self._set(
            db,
            e,
            result="lost",
            summary=e.analysis,
            loss_reason=e.reason,
            result_at=iso(e.occurred_at),
        )
        self._outcome(e, "loss", e.reason, e.analysis, e.lost_in)

    def reopened(self, db: Cursor, e: Any, position: int) -> None:
        self._set(db, e, result="open", summary=None, loss_reason=None, result_at=None)
        self._outcome(e, "reopen", e.reason, None, None)

    def _outcome(
        self, e: Any, kind: str, reason: str, analysis: str | None, lost_in: str | None
    ) -> None:
        self.insert(
            "INSERT INTO ledger_outcomes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                e.originator_id.hex,
                e.originator_version,
                kind,
                iso(e.occurred_at),
                iso(e.timestamp),
                e.actor,
                reason,
                analysis,
                lost_in,
            ),
        )

    def reviewed(self, db: Cursor, e: Any, position: int) -> None:
        # The record's review is its latest by when it took place: one dated earlier
        # (``--at``) but recorded later does not undo a later one.
        latest = self.row(db, e.originator_id.hex)["reviewed_at"]
        if latest is not None and datetime.fromisoformat(latest) > e.occurred_at:
            return
        self._set(db, e, remarks=e.remarks, reviewed_at=iso(e.occurred_at), reviewed_by=e.actor)

    def corrected(self, db: Cursor, e: Any, position: int) -> None:
        self.flush(db)  # the entry it corrects may be queued still
        account = e.originator_id.hex
        row = db.execute(
            "SELECT kind, details, seq FROM ledger_entries WHERE account_id = ? ORDER BY seq "
            "LIMIT 1 OFFSET ?",
            (account, e.entry - 1),
        ).fetchone()
        fields = json.loads(row[1])
        fields[e.field.replace("-", "_")] = e.new
        db.execute(
            "UPDATE ledger_entries SET person = ?, channel = ?, attitude = ?, notes = ?, "
            "details = ?, reached = ?, led_by = ? WHERE account_id = ? AND seq = ?",
            (
                *columns(row[0], fields),
                json.dumps(fields, ensure_ascii=False),
                *sides(row[0], fields),
                account,
                row[2],
            ),
        )
        record = self.row(db, account)
        record["changes"] += 1
        self.insert(
            "INSERT INTO ledger_changes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                account,
                record["changes"],
                e.entry,
                e.field,
                e.old,
                e.new,
                e.reason,
                iso(e.timestamp),
                e.timestamp.timestamp(),
                e.actor,
                e.occurred_at.timestamp(),
            ),
        )

    def edited(self, db: Cursor, e: Any, position: int) -> None:
        """The account's own fields changed: the record shows the new ones, and counts
        the edit as one change (entry 0: the account itself), old and new side by side."""
        record = self.row(db, e.originator_id.hex)
        record.update({name: change["new"] for name, change in e.changes.items()})
        record["changes"] += 1
        if len(e.changes) == 1:
            ((field, change),) = e.changes.items()
            old, new = change["old"], change["new"]
        else:
            field = ", ".join(e.changes)
            old = "; ".join(f"{f}: {c['old']}" for f, c in e.changes.items())
            new = "; ".join(f"{f}: {c['new']}" for f, c in e.changes.items())
        self.insert(
            "INSERT INTO ledger_changes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                e.originator_id.hex,
                record["changes"],
                0,
                field,
                old,
                new,
                e.reason,
                iso(e.timestamp),
                e.timestamp.timestamp(),
                e.actor,
                e.occurred_at.timestamp(),
            ),
        )

    def _set(self, db: Cursor, e: Any, **values: Any) -> None:
        self.row(db, e.originator_id.hex).update(values)
