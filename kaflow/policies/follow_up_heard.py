from __future__ import annotations

from typing import Protocol

from kaflow.aggregates.directory import UserDirectory
from kaflow.aggregates.prospect import Prospect
from kaflow.errors import field
from kaflow.policies import Violation, missing

RULE = "R11"
STATEMENT = (
    "Within one week after the visit, follow up by phone or visit to hear the customer's opinions."
)


class FollowUp(Protocol):
    @property
    def feedback(self) -> str: ...


def check(cmd: FollowUp, prospect: Prospect, directory: UserDirectory) -> Violation | None:
    if missing(feedback=cmd.feedback):
        return Violation(
            RULE, f"a follow-up records the customer's opinion ({field('feedback')} is empty)"
        )
    return None
