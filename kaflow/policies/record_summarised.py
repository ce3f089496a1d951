from __future__ import annotations

from typing import Protocol

from kaflow.aggregates.directory import UserDirectory
from kaflow.aggregates.prospect import Prospect
from kaflow.errors import field
from kaflow.policies import Violation, missing

RULE = "R14"
STATEMENT = "Success or not, the development record summarises the whole development process."


class Summary(Protocol):
    @property
    def summary(self) -> str: ...


def check(cmd: Summary, prospect: Prospect, directory: UserDirectory) -> Violation | None:
    if missing(summary=cmd.summary):
        return Violation(
            RULE, f"the development record needs a success summary ({field('summary')} is empty)"
        )
    return None
