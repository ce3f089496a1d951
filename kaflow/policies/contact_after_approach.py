from __future__ import annotations

from kaflow.aggregates.directory import UserDirectory
from kaflow.aggregates.prospect import Prospect
from kaflow.errors import step
from kaflow.policies import Violation

RULE = "R4"
STATEMENT = (
    "The development approach is decided in a meeting before the target customer is contacted."
)


def check(cmd: object, prospect: Prospect, directory: UserDirectory) -> Violation | None:
    # That a contact is not dated before the approach follows from the lifecycle's
    # ordering: the first contact moves the account, after every step of 'analysed'.
    if prospect.approach is None:
        return Violation(
            RULE, f"no contact before the development approach is decided (run {step('approach')})"
        )
    return None
