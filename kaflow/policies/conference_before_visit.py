from __future__ import annotations

from typing import Protocol

from kaflow.aggregates.directory import UserDirectory
from kaflow.aggregates.prospect import Prospect
from kaflow.errors import field, step
from kaflow.policies import Violation

RULE = "R7"
STATEMENT = "Before the visit a pre-visit conference is held to hear other developers' opinions."


class Conference(Protocol):
    @property
    def notes(self) -> str: ...


def check_conference(
    cmd: Conference, prospect: Prospect, directory: UserDirectory
) -> Violation | None:
    # Participants are users: the application refuses an unknown name before any rule.
    if not cmd.notes.strip():
        return Violation(RULE, f"a pre-visit conference needs notes ({field('notes')} is empty)")
    return None


def check_visit(cmd: object, prospect: Prospect, directory: UserDirectory) -> Violation | None:
    # Held since the previous visit; that it came before this one follows from the
    # lifecycle's ordering (a visit comes after every step of the state it leaves).
    if prospect.conference_at is None:
        return Violation(
            RULE,
            f"a pre-visit conference must be held before each visit (run {step('conference')})",
        )
    return None
