from __future__ import annotations

from typing import Any, Protocol

from kaflow.errors import field
from kaflow.policies import Violation

RULE = "R1"
STATEMENT = (
    "Classify existing and potential customers by product line, customer nature and service needs."
)


class Identification(Protocol):
    @property
    def nature(self) -> str: ...


def check(cmd: Identification) -> Violation | None:
    if not cmd.nature.strip():
        return Violation(
            RULE, f"a prospect is classified when identified: {field('nature')} is empty"
        )
    return None


def check_edit(cmd: Any, prospect: Any, directory: Any) -> Violation | None:
    """An edit keeps the account classified."""
    if cmd.nature is not None and not cmd.nature.strip():
        return check(cmd)
    return None
