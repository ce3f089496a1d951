from __future__ import annotations

from typing import Protocol

from kaflow.aggregates.directory import UserDirectory
from kaflow.aggregates.prospect import Prospect
from kaflow.policies import Dated, Violation, when

RULE = "R7"
STATEMENT = "Before the visit a pre-visit conference is held to hear other developers' opinions."


class Conference(Protocol):
    @property
    def participants(self) -> list[str]: ...

    @property
    def notes(self) -> str: ...


def check_conference(
    cmd: Conference, prospect: Prospect, directory: UserDirectory
) -> Violation | None:
    for name in cmd.participants:
        directory.timeline(name)  # an unknown participant is refused by name
    if not cmd.notes.strip():
        return Violation(RULE, "a pre-visit conference needs notes (--notes is empty)")
    return None


def check_visit(cmd: Dated, prospect: Prospect, directory: UserDirectory) -> Violation | None:
    held = prospect.conference_at
    if held is None or held > when(cmd):
        return Violation(
            RULE, "a pre-visit conference must be held before each visit (run 'kaflow conference')"
        )
    return None
