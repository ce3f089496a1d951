from __future__ import annotations

from kaflow.aggregates.directory import UserDirectory
from kaflow.aggregates.prospect import Prospect
from kaflow.commands import WinAccount
from kaflow.policies import Violation

RULE = "R12"
STATEMENT = "After a successful development, classify the account and enter it into the registry."


def check(cmd: WinAccount, prospect: Prospect, directory: UserDirectory) -> Violation | None:
    if not cmd.classification.strip():
        return Violation(RULE, "a won account must be classified (--classification is empty)")
    return None
