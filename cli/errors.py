"""The one mapping from errors to exit codes and one-line messages."""

from __future__ import annotations

import sqlite3

import click
from eventsourcing.persistence import OperationalError, PersistenceError
from pydantic_core import ValidationError

from kaflow.aggregates.errors import DomainError, InvalidChangeError, UnknownUserError
from kaflow.errors import (
    BadInputError,
    ConflictError,
    NotFoundError,
    RuleViolationError,
)

DONE, REFUSED, BAD_INPUT, NOT_FOUND, CONFLICT = 0, 1, 2, 3, 4

# Most specific first.
EXIT_CODES: list[tuple[type[Exception], int]] = [
    (RuleViolationError, REFUSED),
    (UnknownUserError, NOT_FOUND),
    (InvalidChangeError, BAD_INPUT),
    (DomainError, REFUSED),
    (BadInputError, BAD_INPUT),
    (NotFoundError, NOT_FOUND),
    (ConflictError, CONFLICT),
]

_OPTION_NAMES = {"occurred_at": "--at", "effective_from": "--since", "prospect_id": "ID"}


class Refusal(click.ClickException):
    """A one-line message on stderr and an exit code; never a traceback."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code  # type: ignore[misc]

    def show(self, file: object = None) -> None:
        click.echo(self.format_message(), err=True)


def as_refusal(error: Exception) -> Refusal | None:
    if isinstance(error, ValidationError):
        return Refusal(f"bad input: {_validation_message(error)}", BAD_INPUT)
    if isinstance(error, PersistenceError | sqlite3.Error):
        return _store_refusal(error)
    if isinstance(error, OSError):
        where = f": {error.filename}" if error.filename else ""
        return Refusal(f"cannot use the file system{where}: {error.strerror or error}", BAD_INPUT)
    for kind, code in EXIT_CODES:
        if isinstance(error, kind):
            return Refusal(str(error), code)
    return None


def _store_refusal(error: Exception) -> Refusal:
    text = str(error) or type(error).__name__
    busy = isinstance(error, OperationalError | sqlite3.OperationalError)
    if busy and ("locked" in text or "busy" in text):
        return Refusal(f"the store is busy ({text}); nothing was written, retry", CONFLICT)
    return Refusal(f"cannot use the store: {text}", BAD_INPUT)


def _validation_message(error: ValidationError) -> str:
    first = error.errors()[0]
    loc = [str(p) for p in first["loc"]]
    more = error.error_count() - 1
    tail = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    if loc and loc[0] == "analysis":
        return f"analysis file: {'.'.join(loc[1:]) or '(top level)'}: {first['msg']}{tail}"
    name = _OPTION_NAMES.get(loc[0], "--" + loc[0].replace("_", "-")) if loc else "input"
    return f"{name}: {first['msg']}{tail}"
