"""The application's errors; the CLI maps each kind to one exit code."""

from __future__ import annotations

from kaflow.policies import Violation


class KaflowError(Exception):
    """Base of the application's own errors."""


class RuleViolationError(KaflowError):
    """A rule of the procedure refuses the command (exit 1)."""

    def __init__(self, violation: Violation) -> None:
        self.violation = violation
        super().__init__(str(violation))


class BadInputError(KaflowError):
    """Malformed input or usage (exit 2)."""


class WorkspaceError(BadInputError):
    """No workspace, or a broken one."""


class AnalysisFileError(BadInputError):
    """An analysis file that cannot be read or does not validate."""


class NotFoundError(KaflowError):
    """An id or name that does not exist (exit 3)."""


class ConflictError(KaflowError):
    """A concurrent writer changed the account; nothing was written (exit 4)."""


# What a store's error says when another writer holds what this one needs: retrying helps.
BUSY = ("locked", "busy", "lock timeout", "could not serialize", "deadlock detected")


def first_line(error: BaseException) -> str:
    """An error's first line (libpq adds hints on more lines), or its kind."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
