"""A consistent copy of a live SQLite store (``kaflow store backup``): SQLite's online
backup API copies the file page by page as one snapshot, while writers go on (a plain
``cp`` under a writer copies a file caught between two transactions). The copy is written
under a temporary name and named last: a backup cut short leaves no file that looks whole.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3

from kaflow.errors import BadInputError, WorkspaceError


def backup_sqlite(source: str, target: str, lock_timeout: int = 10) -> int:
    """Copy the SQLite store at ``source`` to the new file ``target``: its size."""
    target = os.path.abspath(target)
    if os.path.exists(target):
        raise BadInputError(f"{target} exists already; name a new file", field="file")
    if os.path.realpath(target) == os.path.realpath(source):
        raise BadInputError("the backup cannot be the store itself", field="file")
    folder = os.path.dirname(target)
    if not os.path.isdir(folder):
        raise BadInputError(f"{folder} is not a folder", field="file")
    partial = target + ".partial"
    with contextlib.suppress(OSError):
        os.remove(partial)
    try:
        with (
            contextlib.closing(sqlite3.connect(source, timeout=lock_timeout)) as db,
            contextlib.closing(sqlite3.connect(partial)) as copy,
        ):
            db.backup(copy, pages=4096)
            copy.execute("PRAGMA journal_mode = DELETE")  # one file, nothing beside it
        os.replace(partial, target)
    except (sqlite3.Error, OSError) as e:
        with contextlib.suppress(OSError):
            os.remove(partial)
        raise WorkspaceError(f"the backup to {target} failed: {e}") from None
    return os.path.getsize(target)
