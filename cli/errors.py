"""The one mapping from errors to exit codes and one-line messages."""

from __future__ import annotations

import json

import click
from eventsourcing.persistence import PersistenceError
from pydantic_core import ValidationError

from kaflow.aggregates.errors import DomainError, InvalidChangeError, UnknownUserError
from kaflow.errors import (
    BUSY,
    BadInputError,
    ConflictError,
    NotFoundError,
    RuleViolationError,
    first_line,
)
from kaflow.projections import ForeignTableError, StaleViewError
from kaflow.projections.db import errors

REFUSED, BAD_INPUT, NOT_FOUND, CONFLICT = 1, 2, 3, 4  # 0: done

# Most specific first.
EXIT_CODES: list[tuple[type[Exception], int]] = [
    (RuleViolationError, REFUSED),
    (UnknownUserError, NOT_FOUND),
    (InvalidChangeError, BAD_INPUT),
    (DomainError, REFUSED),
    (BadInputError, BAD_INPUT),
    (NotFoundError, NOT_FOUND),
    (ConflictError, CONFLICT),
    (StaleViewError, CONFLICT),
    (ForeignTableError, BAD_INPUT),
]

_OPTION_NAMES = {
    "occurred_at": "--at",
    "effective_from": "--since",
    "prospect_id": "ID",
    "name": "NAME",
    "actor": "--as (or KAFLOW_USER)",
}
SHOWN_PROBLEMS = 5


class Refusal(click.ClickException):
    """A one-line message on stderr and an exit code; never a traceback."""

    def __init__(self, message: str, exit_code: int, rule: str | None = None) -> None:
        super().__init__(message)
        self.exit_code = exit_code  # type: ignore[misc]
        self.rule = rule
        self.as_json = False  # set when the command was asked for --json

    def show(self, file: object = None) -> None:
        click.echo(self.format_message(), err=True)
        if self.as_json:
            print_json_error(self.format_message(), self.exit_code, self.rule)


def print_json_error(message: str, exit_code: int, rule: str | None = None) -> None:
    """Under --json, an error is one JSON document on stdout too."""
    document: dict[str, object] = {"error": message, "exit_code": exit_code}
    if rule:
        document["rule"] = rule
    click.echo(json.dumps(document, ensure_ascii=False))


def as_refusal(error: Exception) -> Refusal | None:
    if isinstance(error, ValidationError):
        return Refusal(f"bad input: {_validation_message(error)}", BAD_INPUT)
    if isinstance(error, (PersistenceError, *errors())):
        return _store_refusal(error)
    if isinstance(error, OSError):
        where = f": {error.filename}" if error.filename else ""
        return Refusal(f"cannot use the file system{where}: {error.strerror or error}", BAD_INPUT)
    if isinstance(error, RuleViolationError):
        return Refusal(str(error), REFUSED, rule=error.violation.rule)
    for kind, code in EXIT_CODES:
        if isinstance(error, kind):
            return Refusal(
                str(error), code, rule=str(error).split(":", 1)[0] if code == 1 else None
            )
    return None


def _store_refusal(error: Exception) -> Refusal:
    from kaflow.storage.url import hide_password

    text = hide_password(first_line(error))
    if any(word in text for word in BUSY):
        return Refusal(f"the store is busy ({text}); nothing was written, retry", CONFLICT)
    return Refusal(f"cannot use the store: {text}", BAD_INPUT)


def _validation_message(error: ValidationError) -> str:
    """The problems, each where the user can find it: an option, or a place in a file."""
    problems = [_problem([str(p) for p in e["loc"]], e["msg"]) for e in error.errors()]
    shown = "; ".join(problems[:SHOWN_PROBLEMS])
    more = len(problems) - SHOWN_PROBLEMS
    return shown + (f"; and {more} more" if more > 0 else "")


def _problem(loc: list[str], msg: str) -> str:
    if loc and loc[0] == "analysis":
        return f"analysis file: {'.'.join(loc[1:]) or '(top level)'}: {msg}"
    name = _OPTION_NAMES.get(loc[0], "--" + loc[0].replace("_", "-")) if loc else "input"
    return f"{name}: {msg}"
