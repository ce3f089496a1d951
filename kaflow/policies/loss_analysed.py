from __future__ import annotations

from kaflow.aggregates.directory import UserDirectory
from kaflow.aggregates.prospect import Prospect
from kaflow.commands import LoseAccount
from kaflow.policies import Violation

RULE = "R13"
STATEMENT = "If development fails, analyse and summarise the reasons, classify them and keep them."


def check(cmd: LoseAccount, prospect: Prospect, directory: UserDirectory) -> Violation | None:
    if not cmd.analysis.strip():
        return Violation(RULE, "a lost account needs a failure analysis (--analysis is empty)")
    return None
