"""``import_rows``: every row ever imported, by its key, with the account it went to and
the reference its file gave the account: what makes a second run import nothing twice."""

from __future__ import annotations

from typing import Any, ClassVar

from kaflow.projections import View
from kaflow.projections.db import Cursor


class ImportsView(View):
    name = "imports"
    version = 1
    tables = ("import_rows",)
    schema = """
    CREATE TABLE import_rows (
        key TEXT PRIMARY KEY,         -- the row's content, hashed (the same row, the same key)
        account_id TEXT NOT NULL,
        ref TEXT NOT NULL,            -- the account as the file called it (its 客户编号)
        file TEXT NOT NULL,
        row TEXT NOT NULL,            -- sheet!N
        first INTEGER NOT NULL,       -- the row's events on the account: first ...
        last INTEGER NOT NULL         -- ... to last
    );
    """
    handlers: ClassVar[dict[str, str]] = {"Imported": "imported"}

    def imported(self, db: Cursor, e: Any, position: int) -> None:
        for r in e.rows:
            self.insert(
                "INSERT INTO import_rows VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING",
                (r["key"], e.originator_id.hex, r["ref"], e.file, r["row"], r["first"], r["last"]),
            )


def imported_rows(cursor: Cursor) -> dict[str, tuple[str, str]]:
    """Every imported row's key: (the account it went to, the file's reference for it)."""
    rows = cursor.execute("SELECT key, account_id, ref FROM import_rows")
    return {r[0]: (r[1], r[2]) for r in rows}
