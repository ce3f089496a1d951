"""Guard policies: the procedure's rules, one small module per rule.

A guard is a pure function of (command, prospect, directory) that returns a
``Violation`` or None. ``guards.violation`` runs the ones that apply to a command.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Violation:
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.message}"


def missing(**texts: str) -> list[str]:
    """The names (as the CLI spells them) of the texts that are empty."""
    return [name.replace("_", "-") for name, text in texts.items() if not text.strip()]
