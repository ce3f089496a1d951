from __future__ import annotations

from kaflow.aggregates.directory import UserDirectory
from kaflow.aggregates.prospect import Prospect
from kaflow.commands import RecordContact
from kaflow.policies import Violation

RULE = "R4"
STATEMENT = (
    "The development approach is decided in a meeting before the target customer is contacted."
)


def check(cmd: RecordContact, prospect: Prospect, directory: UserDirectory) -> Violation | None:
    if prospect.approach is None:
        return Violation(
            RULE, "no contact before the development approach is decided (run 'kaflow approach')"
        )
    return None
