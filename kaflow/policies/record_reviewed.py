"""R14: the development record is reviewed (审核) by a development manager or above, and
a correction of it says why; what an entry said before is kept (the event holds it)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from kaflow.aggregates.directory import UserDirectory, at_least_manager
from kaflow.aggregates.prospect import Prospect
from kaflow.errors import field
from kaflow.policies import Dated, Violation, held, missing, when

RULE = "R14"
STATEMENT = "Success or not, the development record summarises the whole development process."


class Review(Dated, Protocol):
    @property
    def actor(self) -> str: ...

    @property
    def remarks(self) -> str: ...


class Correction(Protocol):
    @property
    def value(self) -> str: ...

    @property
    def reason(self) -> str: ...


def check_review(cmd: Review, prospect: Prospect, directory: UserDirectory) -> Violation | None:
    role = directory.role_of(cmd.actor, when(cmd))
    if not at_least_manager(role):
        return Violation(
            RULE,
            "the record is reviewed by a development manager or above; "
            + held(cmd.actor, role, when(cmd)),
        )
    if missing(remarks=cmd.remarks):
        return Violation(RULE, f"a review states its remarks ({field('remarks')} is empty)")
    return None


def check_correction(
    cmd: Correction, prospect: Prospect, directory: UserDirectory
) -> Violation | None:
    if missing(value=cmd.value):
        return Violation(RULE, "a correction cannot leave a field of the record empty")
    if missing(reason=cmd.reason):
        return Violation(RULE, f"a correction of the record says why ({field('reason')} is empty)")
    return None


def check_corrector(
    actor: str, author: str, owner: str, directory: UserDirectory, at: datetime
) -> Violation | None:
    """An entry is corrected by whoever recorded it, the account's owner, or a
    development manager or above."""
    if actor in (author, owner):
        return None
    role = directory.role_of(actor, at)
    if at_least_manager(role):
        return None
    return Violation(
        RULE,
        f"an entry of the record is corrected by its author ({author}), the account's "
        f"owner ({owner}) or a development manager or above; " + held(actor, role, at),
    )
