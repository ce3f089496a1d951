from __future__ import annotations

from kaflow.aggregates.directory import UserDirectory
from kaflow.aggregates.prospect import Prospect
from kaflow.commands import WinAccount
from kaflow.policies import Violation

RULE = "R14"
STATEMENT = "Success or not, the development record summarises the whole development process."


def check(cmd: WinAccount, prospect: Prospect, directory: UserDirectory) -> Violation | None:
    if not cmd.summary.strip():
        return Violation(
            RULE, "the development record needs a success summary (--summary is empty)"
        )
    return None
