from __future__ import annotations

from typing import Protocol

from kaflow.aggregates.directory import UserDirectory, at_least_manager
from kaflow.aggregates.prospect import Prospect
from kaflow.errors import field
from kaflow.policies import Dated, Violation, held, missing, when

RULE = "R4"
STATEMENT = (
    "The key-account development manager holds a meeting and decides the most suitable approach."
)


class Meeting(Dated, Protocol):
    @property
    def chair(self) -> str: ...

    @property
    def notes(self) -> str: ...


def check(cmd: Meeting, prospect: Prospect, directory: UserDirectory) -> Violation | None:
    role = directory.role_of(cmd.chair, when(cmd))
    if not at_least_manager(role):
        return Violation(
            RULE,
            "the development meeting must be chaired by a development manager or above; "
            + held(cmd.chair, role, when(cmd)),
        )
    if missing(notes=cmd.notes):
        return Violation(RULE, f"the meeting's decision needs notes ({field('notes')} is empty)")
    return None
