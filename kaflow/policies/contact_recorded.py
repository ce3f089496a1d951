from __future__ import annotations

from typing import Protocol

from kaflow.aggregates.directory import UserDirectory
from kaflow.aggregates.prospect import Prospect
from kaflow.policies import Violation, missing

RULE = "R5"
STATEMENT = (
    "First contact by letter, telephone or e-mail, recorded with the person reached and notes."
)


class Contact(Protocol):
    @property
    def person(self) -> str: ...

    @property
    def notes(self) -> str: ...


def check(cmd: Contact, prospect: Prospect, directory: UserDirectory) -> Violation | None:
    empty = missing(person=cmd.person, notes=cmd.notes)
    if empty:
        return Violation(RULE, f"a contact record needs {', '.join(empty)} (empty)")
    return None
