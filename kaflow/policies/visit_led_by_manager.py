from __future__ import annotations

from kaflow.aggregates.directory import UserDirectory, at_least_manager
from kaflow.aggregates.prospect import Prospect
from kaflow.commands import RecordVisit
from kaflow.policies import Violation

RULE = "R6"
STATEMENT = "Visits to a target key account are carried out by a development manager or above."


def check(cmd: RecordVisit, prospect: Prospect, directory: UserDirectory) -> Violation | None:
    assert cmd.occurred_at is not None
    role = directory.role_of(cmd.lead, cmd.occurred_at)
    if not at_least_manager(role):
        held = f"'{role}'" if role else "not yet a user"
        return Violation(
            RULE,
            "a visit must be led by a development manager or above; "
            f"{cmd.lead} is {held} on {cmd.occurred_at.date()}",
        )
    return None
