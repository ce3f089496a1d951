"""An import's rows kept on disk by account (a temporary SQLite file), so that an import
holds one account's rows at a time, however large the file: memory stays flat."""

from __future__ import annotations

import json

from kaflow.application.import_file import Row


class Spool:
    """The rows of a file kept in a temporary SQLite file, by account: an import holds
    one account's rows at a time, however large the file."""

    def __init__(self) -> None:
        import sqlite3

        self.db = sqlite3.connect("")  # a temporary file, removed when closed
        self.db.execute("CREATE TABLE rows (seq INTEGER PRIMARY KEY, ref TEXT, row TEXT)")
        self.columns: list[list[str]] = []
        self.count = 0

    def add(self, ref: str, row: Row) -> None:
        if not self.columns or self.columns[-1] is not row.columns:
            self.columns.append(row.columns)
        data = [row.where, row.values, len(self.columns) - 1, row.key]
        self.db.execute(
            "INSERT INTO rows (ref, row) VALUES (?, ?)", (ref, json.dumps(data, ensure_ascii=False))
        )
        self.count += 1

    def refs(self) -> list[str]:
        """The accounts' references, in the order the file first names them."""
        self.db.execute("CREATE INDEX rows_ref ON rows (ref, seq)")
        found = self.db.execute("SELECT ref FROM rows GROUP BY ref ORDER BY min(seq)")
        return [r[0] for r in found]

    def rows(self, ref: str) -> list[Row]:
        found = self.db.execute("SELECT row FROM rows WHERE ref = ? ORDER BY seq", (ref,))
        rows = []
        for (text,) in found:
            where, values, columns, key = json.loads(text)
            row = Row(where, values, self.columns[columns])
            row.key = key  # as the file said it, before its step was read
            rows.append(row)
        return rows

    def close(self) -> None:
        self.db.close()
