from __future__ import annotations

from typing import Protocol

from kaflow.aggregates.directory import UserDirectory, at_least_manager
from kaflow.aggregates.prospect import Prospect
from kaflow.policies import Dated, Violation, held, when

RULE = "R6"
STATEMENT = "Visits to a target key account are carried out by a development manager or above."


class Led(Dated, Protocol):
    @property
    def lead(self) -> str: ...


def check(cmd: Led, prospect: Prospect, directory: UserDirectory) -> Violation | None:
    role = directory.role_of(cmd.lead, when(cmd))
    if not at_least_manager(role):
        return Violation(
            RULE,
            "a visit must be led by a development manager or above; "
            + held(cmd.lead, role, when(cmd)),
        )
    return None
