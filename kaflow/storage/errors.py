"""The one translation of the stores' driver errors into kaflow's errors.

An error is judged by the code its driver gives where there is one (SQLite's result
code, PostgreSQL's SQLSTATE, found on the error or on what caused it: the library wraps
the drivers' errors), and by its words where there is none.
"""

from __future__ import annotations

from kaflow.errors import ConflictError, KaflowError, UnavailableError, first_line

BUSY, READ_ONLY, NO_WRITES, PRIVILEGE, DAMAGED, FULL = (
    "busy",
    "read_only",
    "no_writes",
    "privilege",
    "damaged",
    "full",
)
_CODES = {
    # SQLite's result codes
    "SQLITE_BUSY": BUSY,
    "SQLITE_LOCKED": BUSY,
    "SQLITE_READONLY": READ_ONLY,
    "SQLITE_PERM": READ_ONLY,
    "SQLITE_CORRUPT": DAMAGED,
    "SQLITE_NOTADB": DAMAGED,
    "SQLITE_FULL": FULL,
    # PostgreSQL's SQLSTATEs
    "55P03": BUSY,  # lock_not_available (lock_timeout)
    "40001": BUSY,  # serialization_failure
    "40P01": BUSY,  # deadlock_detected
    "57014": BUSY,  # query_canceled (statement_timeout)
    "25006": NO_WRITES,  # read_only_sql_transaction (a standby)
    "42501": PRIVILEGE,  # insufficient_privilege
    "53100": FULL,  # disk_full
    "XX001": DAMAGED,  # data_corrupted
    "XX002": DAMAGED,  # index_corrupted
}
# Words, for errors that come without a code (and the library's own).
_WORDS = (
    (BUSY, ("locked", "busy", "lock timeout", "could not serialize", "deadlock detected")),
    (NO_WRITES, ("read-only transaction",)),
    (READ_ONLY, ("readonly database", "read-only", "attempt to write a readonly")),
    (PRIVILEGE, ("permission denied", "must be owner of")),
    (DAMAGED, ("malformed", "file is not a database")),
    (FULL, ("database or disk is full", "no space left", "could not extend file")),
)
_SAID = {
    NO_WRITES: "the store is read-only: the server takes no writes ({})",
    READ_ONLY: "the store is read-only ({})",
    PRIVILEGE: (
        "the store's user lacks a privilege kaflow needs ({}): ask the database's "
        "administrator to grant it"
    ),
    DAMAGED: "the store is damaged ({}): restore it from a backup",
    FULL: "the disk is full ({}): make room where the store is kept",
}


def kind_of(error: BaseException) -> str | None:
    """What went wrong: one of the kinds above, or None for anything else (a lost
    connection, a defect)."""
    seen: BaseException | None = error
    while seen is not None:
        code = getattr(seen, "sqlite_errorname", None) or getattr(seen, "sqlstate", None)
        if code is not None:
            for prefix, kind in _CODES.items():
                if str(code) == prefix or str(code).startswith(prefix + "_"):
                    return kind
        seen = seen.__cause__ or seen.__context__
    text = first_line(error).lower()
    return next((kind for kind, words in _WORDS if any(w in text for w in words)), None)


def is_busy(error: BaseException) -> bool:
    return kind_of(error) == BUSY


def refuses_writes(error: BaseException) -> bool:
    """Whether the store takes no writes from this user (its views are read only)."""
    return kind_of(error) in (READ_ONLY, NO_WRITES, PRIVILEGE)


def store_errors() -> tuple[type[Exception], ...]:
    """The exception classes of the library and of the drivers loaded so far."""
    import sqlite3
    import sys

    from eventsourcing.persistence import PersistenceError

    found: list[type[Exception]] = [PersistenceError, sqlite3.Error]
    psycopg = sys.modules.get("psycopg")
    if psycopg is not None:
        found.append(psycopg.Error)
    return tuple(found)


def classify(error: BaseException, *urls: str, store: str = "the store") -> KaflowError:
    """What a store's error means for the user, in one line without any password;
    ``store`` names the store where a message speaks of it."""
    from kaflow.storage.url import hide_password

    text = hide_password(first_line(error), *urls)
    kind = kind_of(error)
    if kind == BUSY:
        return ConflictError(f"{store} is busy ({text}); nothing was written, retry")
    if kind is not None:
        return UnavailableError(f"cannot use {store}: " + _SAID[kind].format(text))
    return UnavailableError(f"cannot use {store}: {text}")


def classify_write(error: BaseException) -> KaflowError | None:
    """A failed write said as what it is when retrying (or reading it again) will not
    change it; None when the failure may have come after the commit (a lost connection)
    and must be checked."""
    kind = kind_of(error)
    text = first_line(error)
    if kind == BUSY:
        return ConflictError(f"the store is busy ({text}); nothing was written, retry")
    if kind is None:
        return None
    return UnavailableError(_SAID[kind].format(text) + "; nothing was written")
