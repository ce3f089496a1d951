from __future__ import annotations

from kaflow.aggregates.directory import UserDirectory
from kaflow.aggregates.prospect import Prospect
from kaflow.commands import RecordVisit, VisitManner
from kaflow.policies import Violation

RULE = "R9"
STATEMENT = "The visit should be face to face, to show respect."


def check(cmd: RecordVisit, prospect: Prospect, directory: UserDirectory) -> Violation | None:
    if cmd.manner is not VisitManner.FACE_TO_FACE:
        return Violation(RULE, f"a visit must be face to face; '{cmd.manner}' is not a visit")
    return None
