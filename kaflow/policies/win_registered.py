from __future__ import annotations

from typing import Protocol

from kaflow.aggregates.directory import UserDirectory
from kaflow.aggregates.prospect import Prospect
from kaflow.errors import field
from kaflow.policies import Violation, missing

RULE = "R12"
STATEMENT = "After a successful development, classify the account and enter it into the registry."


class Win(Protocol):
    @property
    def classification(self) -> str: ...


def check(cmd: Win, prospect: Prospect, directory: UserDirectory) -> Violation | None:
    if missing(classification=cmd.classification):
        return Violation(
            RULE, f"a won account must be classified ({field('classification')} is empty)"
        )
    return None
