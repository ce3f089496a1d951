"""The one translation of the store's driver errors into kaflow's errors."""

from __future__ import annotations

from kaflow.errors import ConflictError, KaflowError, UnavailableError, first_line

# What a store's error says when another writer holds what this one needs: retrying helps.
BUSY = ("locked", "busy", "lock timeout", "could not serialize", "deadlock detected")


def is_busy(text: str) -> bool:
    return any(word in text for word in BUSY)


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


def classify(error: Exception, *urls: str) -> KaflowError:
    """What a store's error means for the user, in one line without any password."""
    from kaflow.storage.url import hide_password

    text = hide_password(first_line(error), *urls)
    known = classify_write(error)
    if known is not None:
        return known
    if is_busy(text):
        return ConflictError(f"the store is busy ({text}); nothing was written, retry")
    return UnavailableError(f"cannot use the store: {text}")


# SQLite's words for a store that cannot take a write however often it is tried.
_READ_ONLY = ("readonly database", "read-only", "attempt to write a readonly")
_DAMAGED = ("malformed", "file is not a database", "disk image is malformed")
_FULL = ("database or disk is full", "no space left")


def classify_write(error: Exception) -> KaflowError | None:
    """A failed write that retrying will not mend, said as what it is; None when the
    failure may have come after the commit (a lost connection) and must be checked."""
    text = first_line(error)
    lower = text.lower()
    if any(word in lower for word in _READ_ONLY):
        return UnavailableError(f"the store is read-only ({text}); nothing was written")
    if any(word in lower for word in _DAMAGED):
        return UnavailableError(
            f"the store is damaged ({text}); nothing was written: restore it from a backup"
        )
    if any(word in lower for word in _FULL):
        return UnavailableError(f"the disk is full ({text}); nothing was written")
    return None
