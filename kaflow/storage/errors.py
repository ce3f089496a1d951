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
    found = lasting(text)
    if found is not None:
        return UnavailableError(f"cannot use the store: {found}")
    if is_busy(text):
        return ConflictError(f"the store is busy ({text}); nothing was written, retry")
    return UnavailableError(f"cannot use the store: {text}")


# The drivers' words for a store that cannot take a write however often it is tried.
_READ_ONLY = ("readonly database", "read-only", "attempt to write a readonly")
_DAMAGED = ("malformed", "file is not a database")
_FULL = ("database or disk is full", "no space left", "could not extend file")
# A server's role without a privilege kaflow needs (SQLSTATE 42501), or a server that
# takes no writes at all (a hot standby: 25006).
_PRIVILEGE = ("permission denied", "must be owner of")
_NO_WRITES = ("read-only transaction",)


def lasting(text: str) -> str | None:
    """What is wrong with the store, if retrying will not mend it."""
    lower = text.lower()
    if any(word in lower for word in _NO_WRITES):
        return f"the store is read-only: the server takes no writes ({text})"
    if any(word in lower for word in _READ_ONLY):
        return f"the store is read-only ({text})"
    if any(word in lower for word in _PRIVILEGE):
        return (
            f"the store's user lacks a privilege kaflow needs ({text}): ask the "
            "database's administrator to grant it"
        )
    if any(word in lower for word in _DAMAGED):
        return f"the store is damaged ({text}): restore it from a backup"
    if any(word in lower for word in _FULL):
        return f"the disk is full ({text}): make room where the store is kept"
    return None


def classify_write(error: Exception) -> KaflowError | None:
    """A failed write that retrying will not mend, said as what it is; None when the
    failure may have come after the commit (a lost connection) and must be checked."""
    found = lasting(first_line(error))
    return None if found is None else UnavailableError(f"{found}; nothing was written")
