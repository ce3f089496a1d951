"""kaflow's one error hierarchy. Errors carry data: a kind, the rule that refused, the
field at fault and parameters; every front end owns the one table that turns a kind into
an exit code or an HTTP status and a field into an option or a JSON pointer.

Messages name fields and steps in domain words. Where a message names a field or a step
it embeds ``field("notes")`` or ``step("prepare")``: a marker each front end renders in
its own spelling (``--notes`` and ``'kaflow prepare'`` on the CLI). This module imports
nothing of kaflow's, so every layer may raise these.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import StrEnum
from typing import Any, ClassVar


class Kind(StrEnum):
    REFUSED = "refused"  # a rule of the procedure, the lifecycle or access
    BAD_INPUT = "bad_input"  # malformed input or usage
    NOT_FOUND = "not_found"  # an account, a user, an entry
    CONFLICT = "conflict"  # a concurrent writer or a busy store: nothing written, retry
    UNAVAILABLE = "unavailable"  # the store cannot be used as asked (read-only, damaged, ...)


_MARK = "\x00([fs]):([a-z_-]+)\x00"  # compiled by re on first use


def field(name: str) -> str:
    """A field, named in a message; the front end spells it (``--notes``)."""
    return f"\x00f:{name}\x00"


def step(name: str) -> str:
    """A step (a command of the application), named in a message."""
    return f"\x00s:{name}\x00"


def domain_field(name: str) -> str:
    return name.replace("_", " ")


def domain_step(name: str) -> str:
    return f"'{name.replace('_', '-')}'"


def render(text: str, fields: Callable[[str], str], steps: Callable[[str], str]) -> str:
    """``text`` with its field and step markers spelled by a front end."""
    return re.sub(_MARK, lambda m: (fields if m[1] == "f" else steps)(m[2]), text)


class KaflowError(Exception):
    """Base of kaflow's errors: a message with markers, and the data behind it."""

    kind: ClassVar[Kind] = Kind.BAD_INPUT
    default_rule: ClassVar[str | None] = None

    def __init__(
        self,
        message: str,
        *,
        rule: str | None = None,
        field: str | None = None,
        **params: Any,
    ) -> None:
        self.message = message
        self.rule = rule or self.default_rule
        self.field = field
        self.params = params
        super().__init__(self.render())

    def render(
        self,
        fields: Callable[[str], str] = domain_field,
        steps: Callable[[str], str] = domain_step,
    ) -> str:
        """The message for people, fields and steps spelled by the caller."""
        text = render(self.message, fields, steps)
        return f"{self.rule}: {text}" if self.rule else text

    def as_dict(self) -> dict[str, Any]:
        return {
            "error": self.render(),
            "kind": self.kind.value,
            "rule": self.rule,
            "field": self.field,
        }


class RuleViolationError(KaflowError):
    """A rule of the procedure refuses the command (``rule`` names it: R1-R14)."""

    kind = Kind.REFUSED


class RefusedError(KaflowError):
    """The lifecycle or access refuses the command."""

    kind = Kind.REFUSED


class BadInputError(KaflowError):
    """Malformed input or usage."""


class WorkspaceError(BadInputError):
    """No workspace, or a broken one."""


class AnalysisFileError(BadInputError):
    """An analysis file that cannot be read or does not validate."""


class NotFoundError(KaflowError):
    """An id or name that does not exist."""

    kind = Kind.NOT_FOUND


class ConflictError(KaflowError):
    """A concurrent writer changed what the command needed, or the store is busy;
    nothing was written: retrying helps."""

    kind = Kind.CONFLICT


class UnavailableError(KaflowError):
    """The store cannot be used as asked: read-only, damaged, full, unreachable, or
    without the privileges kaflow needs. Retrying does not help."""

    kind = Kind.UNAVAILABLE


def first_line(error: BaseException) -> str:
    """An error's first line (libpq adds hints on more lines), or its kind."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
