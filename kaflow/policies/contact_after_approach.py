from __future__ import annotations

from kaflow.aggregates.directory import UserDirectory
from kaflow.aggregates.prospect import Prospect
from kaflow.policies import Dated, Violation, when

RULE = "R4"
STATEMENT = (
    "The development approach is decided in a meeting before the target customer is contacted."
)


def check(cmd: Dated, prospect: Prospect, directory: UserDirectory) -> Violation | None:
    if prospect.approach is None:
        return Violation(
            RULE, "no contact before the development approach is decided (run 'kaflow approach')"
        )
    decided = prospect.approach["first_decided_at"]
    if when(cmd) < decided:
        return Violation(
            RULE,
            f"the approach was first decided at {decided.strftime('%Y-%m-%d %H:%M')}; "
            "a contact cannot come before it",
        )
    return None
