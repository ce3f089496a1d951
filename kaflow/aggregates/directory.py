"""The user directory: who may act, and the role each person held on any date.

A role change never overwrites: each user keeps a timeline of (effective from, role),
so the role someone held when a visit took place (R6) is always known.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from kaflow.aggregates.errors import AccessError, InvalidChangeError, UnknownUserError

# uuid5(NAMESPACE_URL, "kaflow:user-directory"), written out: computing it costs hashlib's
# import on every start.
DIRECTORY_ID = UUID("9f7ab8d6-8419-557e-bcc5-31129348e122")


class Role(StrEnum):
    SALES = "sales"
    MANAGER = "manager"
    DIRECTOR = "director"
    OWNER = "owner"


RANK = {Role.SALES: 0, Role.MANAGER: 1, Role.DIRECTOR: 2, Role.OWNER: 3}


def at_least_manager(role: str | None) -> bool:
    """A development manager or above (R4, R6); a process owner counts as above."""
    return role is not None and RANK[Role(role)] >= RANK[Role.MANAGER]


class UserDirectory(Aggregate):
    @staticmethod
    def create_id(owner: str, effective_from: datetime) -> UUID:
        return DIRECTORY_ID

    @event("Created")
    def __init__(self, owner: str, effective_from: datetime) -> None:
        self.timelines: dict[str, list[list[object]]] = {
            owner: [[effective_from, Role.OWNER.value]]
        }

    def names(self) -> list[str]:
        return sorted(self.timelines)

    def role_of(self, name: str, at: datetime) -> str | None:
        """The role ``name`` held at ``at``, or None if they held none yet."""
        held: str | None = None
        for effective_from, role in self._timeline(name):
            assert isinstance(effective_from, datetime)
            if effective_from <= at:
                held = str(role)
        return held

    def timeline(self, name: str) -> list[tuple[datetime, str]]:
        return [(f, str(r)) for f, r in self._timeline(name)]  # type: ignore[misc]

    def canonical(self, name: str) -> str:
        """The user's name as it was added; names match regardless of case."""
        if name in self.timelines:
            return name
        for known in self.timelines:
            if known.casefold() == name.casefold():
                return known
        raise UnknownUserError(name)

    def _timeline(self, name: str) -> list[list[object]]:
        return self.timelines[self.canonical(name)]

    def add_user(
        self, name: str, role: str, effective_from: datetime, by: str, now: datetime
    ) -> None:
        self._require_owner(by, now, "add users")
        same = [n for n in self.timelines if n.casefold() == name.casefold()]
        if same:
            raise InvalidChangeError(f"user '{same[0]}' exists already (use 'kaflow user role')")
        self._role_assigned(name=name, role=role, effective_from=effective_from, by=by)

    def change_role(
        self, name: str, role: str, effective_from: datetime, by: str, now: datetime
    ) -> None:
        self._require_owner(by, now, "change roles")
        name = self.canonical(name)
        if self.role_of(name, effective_from) == role:
            raise InvalidChangeError(f"{name} is '{role}' then already; nothing to change")
        if role != Role.OWNER and not self._owner_remains(name, effective_from, now):
            raise AccessError(f"access: {name} is the only owner; make someone else owner first")
        self._role_assigned(name=name, role=role, effective_from=effective_from, by=by)

    def _owner_remains(self, name: str, effective_from: datetime, now: datetime) -> bool:
        """Whether someone else is owner now and from then on, so users stay manageable."""
        later = max(effective_from, now)
        return any(
            self.role_of(other, now) == Role.OWNER
            and self.role_of(other, later) == Role.OWNER
            and self.timeline(other)[-1][1] == Role.OWNER
            for other in self.timelines
            if other != name
        )

    def _require_owner(self, by: str, at: datetime, what: str) -> None:
        role = self.role_of(by, at)
        if role != Role.OWNER:
            raise AccessError(f"access: only an owner can {what}; {by} is '{role}'")

    @event("RoleAssigned")
    def _role_assigned(self, name: str, role: str, effective_from: datetime, by: str) -> None:
        timeline = self.timelines.setdefault(name, [])
        timeline.append([effective_from, role])
        timeline.sort(key=lambda entry: entry[0])  # type: ignore[arg-type,return-value]
