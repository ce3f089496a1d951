"""The application's users: the directory of who holds which role since when, kept
current for every command, and the owners' commands that change it; ``authorise``
checks the access table against it."""

from __future__ import annotations

import copy
import threading
import typing
from collections.abc import Callable
from datetime import datetime
from typing import Any

from eventsourcing.application import AggregateNotFoundError

from kaflow.aggregates.directory import DIRECTORY_ID, UserDirectory
from kaflow.application import commands as c
from kaflow.application.access import require
from kaflow.application.actor import Actor
from kaflow.application.keeping import RETRIES, Keeping, replay
from kaflow.clock import fixed_offset
from kaflow.errors import ConflictError, WorkspaceError, step


def _change_role_once_added(directory: UserDirectory, name: str, *args: Any) -> None:
    directory.require_added(name, args[1], "a change of role")
    directory.change_role(name, *args)


class Users(Keeping):
    """Mixed into ``Kaflow``, which tells the time."""

    def __init__(self, env: dict[str, str] | None = None) -> None:
        super().__init__(env)
        self._directory: UserDirectory | None = None
        self._directory_lock = threading.Lock()

    def now(self) -> datetime:
        raise NotImplementedError

    def create_directory(self, owner: str, effective_from: datetime | None = None) -> None:
        """The first user, an owner from ``effective_from`` (default: now)."""
        try:
            self.repository.get(DIRECTORY_ID)
        except AggregateNotFoundError:
            since = fixed_offset(effective_from) if effective_from else self.now()
            if self._save(UserDirectory(owner=owner, effective_from=since)):
                return
        raise WorkspaceError("this store has users already; it belongs to another workspace")

    def directory(self) -> UserDirectory:
        """The directory, brought up to date with the store; shared between threads, so
        read it only: a newer one is a new object, never the shared one changed."""
        current = self._directory
        if current is None:
            current = self._load_directory()
        else:  # read outside the lock: threads never wait on each other's reads
            newer = list(self.events.get(DIRECTORY_ID, gt=current.version))
            if not newer:
                return current
            current = replay(copy.deepcopy(current), newer)
        with self._directory_lock:  # the newest wins, whichever thread read it
            if self._directory is None or self._directory.version < current.version:
                self._directory = current
            return self._directory

    def directory_as_recorded(self, at: datetime) -> UserDirectory:
        """The directory as it had been recorded by ``at`` (corrections made later are
        not in it), for judging the record as it stood then."""
        events = [e for e in self.events.get(DIRECTORY_ID) if e.timestamp <= at]  # type: ignore[attr-defined]
        found: Any = replay(None, events)
        if found is None:
            raise WorkspaceError("the store had no users yet at that time")
        return typing.cast(UserDirectory, found)

    def _load_directory(self) -> UserDirectory:
        """A private copy, to change."""
        try:
            found: Any = self.repository.get(DIRECTORY_ID, projector_func=replay)
        except AggregateNotFoundError:
            raise WorkspaceError(f"the store has no users: run {step('init_owner')}") from None
        assert isinstance(found, UserDirectory)
        return found

    def add_user(self, actor: Actor, cmd: c.AddUser) -> datetime:
        """Add a user; when the role took effect."""
        return self._with_directory(actor, cmd, UserDirectory.add_user, "add_users")

    def change_role(self, actor: Actor, cmd: c.ChangeRole) -> datetime:
        """Change a user's role, from no earlier than they were added; when the change
        took effect."""
        return self._with_directory(actor, cmd, _change_role_once_added, "change_roles")

    def deactivate_user(self, actor: Actor, cmd: c.DeactivateUser) -> tuple[datetime, str | None]:
        """A user leaves: when it took effect, and whom their accounts go to (as added)."""
        for _ in range(RETRIES):
            directory = self._load_directory()
            now = self.now()
            self.authorise(actor, "deactivate_users", directory, now)
            effective = fixed_offset(cmd.effective_from or now)
            to = directory.deactivate(cmd.name, effective, actor.name, now, cmd.hand_over_to)
            if self._save(directory):
                return effective, to
        raise ConflictError("the user directory kept changing under this command; retry")

    def _with_directory(
        self, actor: Actor, cmd: c.AddUser | c.ChangeRole, act: Callable[..., None], action: str
    ) -> datetime:
        for _ in range(RETRIES):
            directory = self._load_directory()
            now = self.now()
            self.authorise(actor, action, directory, now)
            effective = fixed_offset(cmd.effective_from or now)
            act(directory, cmd.name, cmd.role.value, effective, actor.name, now)
            if self._save(directory):
                return effective
        raise ConflictError("the user directory kept changing under this command; retry")

    def authorise(
        self,
        actor: Actor,
        action: str = "read",
        directory: UserDirectory | None = None,
        now: datetime | None = None,
    ) -> str:
        """The role ``actor`` holds now, if the access table lets it take ``action``."""
        directory = directory or self.directory()
        now = now or self.now()
        name = directory.canonical(actor.name)
        return require(name, directory.role_of(name, now), action, str(now.date()))
