"""The reads of the users: who holds which role, since when, and every change of it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kaflow.application.actor import Actor
from kaflow.application.reads import Reads

if TYPE_CHECKING:  # result types, for readers and checkers (no cost at start-up)
    from typing import TypedDict

    class Role(TypedDict):
        since: str
        role: str | None  # None: deactivated from then

    class User(TypedDict):
        name: str
        role: str | None
        since: str
        roles: list[Role]


class UserReads(Reads):
    """The users, for any user."""

    def users(self, actor: Actor) -> list[User]:
        self.app.authorise(actor)
        directory = self.app.directory()
        return [self._user(directory, name) for name in directory.names()]

    def user(self, actor: Actor, name: str) -> User:
        self.app.authorise(actor)
        directory = self.app.directory()
        return self._user(directory, directory.canonical(name))

    def _user(self, directory: Any, name: str) -> User:
        now = self.app.now()
        timeline = directory.timeline(name)
        # The role held now, since it has held without a break (a deactivation, or a
        # change to another role and back, starts a new stretch).
        held = list(dict(entry for entry in timeline if entry[0] <= now).items())
        role = directory.role_of(name, now)
        start = len(held) - 1
        while start > 0 and held[start - 1][1] == role:
            start -= 1
        since = held[start][0] if held else timeline[0][0]
        return {
            "name": name,
            "role": role,
            "since": since.isoformat(),
            "roles": [{"since": f.isoformat(), "role": r} for f, r in timeline],
        }
