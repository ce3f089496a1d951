"""The daily digest: one user's follow-ups due in the coming week and those overdue in
their team, made once per user per day by the scheduler.

Each digest is an aggregate of its own whose id is made from the user and the day, so
that two schedulers making the same digest cannot both record it (the second save finds
version 1 taken). A ``DigestRound`` says the scheduler went through every user on a day:
later ticks that day make none.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event


def digest_id(user: str, day: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"kaflow:digest:{user}:{day}")


def round_id(day: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"kaflow:digest-round:{day}")


class Digest(Aggregate):
    class Event(Aggregate.Event):
        class_version = 1

    @staticmethod
    def create_id(user: str, day: str, **_: Any) -> UUID:
        return digest_id(user, day)

    @event("DigestMade")
    def __init__(
        self,
        user: str,
        day: str,  # the workspace's date, YYYY-MM-DD
        made_at: datetime,
        due: list[dict[str, Any]],  # {account, deadline, lead, due_at}: due this week
        overdue: list[dict[str, Any]],  # the same: overdue, in the user's team
    ) -> None:
        self.user, self.day = user, day


class DigestRound(Aggregate):
    class Event(Aggregate.Event):
        class_version = 1

    @staticmethod
    def create_id(day: str, **_: Any) -> UUID:
        return round_id(day)

    @event("DigestsMade")
    def __init__(self, day: str, made_at: datetime, users: list[str]) -> None:
        self.day = day
