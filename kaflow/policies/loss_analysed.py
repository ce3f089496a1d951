from __future__ import annotations

from typing import Protocol

from kaflow.aggregates.directory import UserDirectory
from kaflow.aggregates.prospect import Prospect
from kaflow.errors import field
from kaflow.policies import Violation, missing

RULE = "R13"
STATEMENT = "If development fails, analyse and summarise the reasons, classify them and keep them."


class Loss(Protocol):
    @property
    def analysis(self) -> str: ...


def check(cmd: Loss, prospect: Prospect, directory: UserDirectory) -> Violation | None:
    if missing(analysis=cmd.analysis):
        return Violation(
            RULE, f"a lost account needs a failure analysis ({field('analysis')} is empty)"
        )
    return None
