from __future__ import annotations

from kaflow.aggregates.directory import UserDirectory
from kaflow.commands import IdentifyProspect
from kaflow.policies import Violation

RULE = "R1"
STATEMENT = (
    "Classify existing and potential customers by product line, customer nature and service needs."
)


def check(cmd: IdentifyProspect, directory: UserDirectory) -> Violation | None:
    if not cmd.nature.strip():
        return Violation(RULE, "a prospect is classified when identified: --nature is empty")
    return None
