"""Guard policies: the procedure's rules, one small module per rule.

A guard is a pure function of (command, prospect, directory) that returns a
``Violation`` or None; ``guards.violation`` runs the ones that apply to a step. Each
guard states the shape of the command it reads as a Protocol, so the rules depend on
nothing above them: not on the application's command classes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from kaflow.errors import RuleViolationError, field


@dataclass(frozen=True)
class Violation:
    rule: str
    message: str

    def __str__(self) -> str:
        return self.error().render()

    def error(self) -> RuleViolationError:
        return RuleViolationError(self.message, rule=self.rule)


class Dated(Protocol):
    """A step, dated by the application before the guards run."""

    @property
    def trigger(self) -> str: ...

    @property
    def occurred_at(self) -> datetime | None: ...


def when(cmd: Dated) -> datetime:
    assert cmd.occurred_at is not None, "the application dates a step before checking it"
    return cmd.occurred_at


def missing(**texts: str) -> list[str]:
    """The fields (marked, for each front end to spell) of the texts that are empty."""
    return [field(name) for name, text in texts.items() if not text.strip()]


def held(name: str, role: str | None, at: datetime) -> str:
    """Who held what role on a date, for a message."""
    day = at.date().isoformat()
    return f"{name} is '{role}' on {day}" if role else f"{name} holds no role on {day}"
