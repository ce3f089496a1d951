from __future__ import annotations

from kaflow.aggregates.directory import UserDirectory, at_least_manager
from kaflow.aggregates.prospect import Prospect
from kaflow.commands import DecideApproach
from kaflow.policies import Violation, missing

RULE = "R4"
STATEMENT = (
    "The key-account development manager holds a meeting and decides the most suitable approach."
)


def check(cmd: DecideApproach, prospect: Prospect, directory: UserDirectory) -> Violation | None:
    assert cmd.occurred_at is not None
    role = directory.role_of(cmd.chair, cmd.occurred_at)
    if not at_least_manager(role):
        return Violation(
            RULE,
            "the development meeting must be chaired by a development manager or above; "
            f"{cmd.chair} is '{role}' on {cmd.occurred_at.date()}",
        )
    if missing(notes=cmd.notes):
        return Violation(RULE, "the meeting's decision needs notes (--notes is empty)")
    return None
