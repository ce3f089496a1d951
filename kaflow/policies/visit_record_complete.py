from __future__ import annotations

from typing import Protocol

from kaflow.aggregates.directory import UserDirectory
from kaflow.aggregates.prospect import Prospect
from kaflow.policies import Violation, missing

RULE = "R10"
STATEMENT = (
    "Fill in the visit record: time, place, manner, main talking points, the customer's views, "
    "suggestions for further development."
)


class VisitRecord(Protocol):
    @property
    def place(self) -> str: ...

    @property
    def points(self) -> str: ...

    @property
    def views(self) -> str: ...

    @property
    def next_steps(self) -> str: ...


def check(cmd: VisitRecord, prospect: Prospect, directory: UserDirectory) -> Violation | None:
    empty = missing(place=cmd.place, points=cmd.points, views=cmd.views, next_steps=cmd.next_steps)
    if empty:
        return Violation(RULE, f"the visit record is incomplete: {', '.join(empty)} empty")
    return None
