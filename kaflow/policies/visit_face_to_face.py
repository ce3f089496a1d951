from __future__ import annotations

from typing import Protocol

from kaflow.aggregates.directory import UserDirectory
from kaflow.aggregates.prospect import Prospect
from kaflow.policies import Violation

RULE = "R9"
STATEMENT = "The visit should be face to face, to show respect."
FACE_TO_FACE = "face-to-face"


class Manner(Protocol):
    @property
    def manner(self) -> str: ...


def check(cmd: Manner, prospect: Prospect, directory: UserDirectory) -> Violation | None:
    if cmd.manner != FACE_TO_FACE:
        return Violation(RULE, f"a visit must be face to face; '{cmd.manner}' is not a visit")
    return None
