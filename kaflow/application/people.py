"""People who come and go: a user who leaves hands their open accounts over, and each
user's roles read as a timeline with who changed them."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from uuid import UUID

from kaflow.aggregates.directory import DIRECTORY_ID
from kaflow.aggregates.errors import InvalidChangeError
from kaflow.aggregates.lifecycle import OPEN_STATES
from kaflow.application import commands as c
from kaflow.application.account_commands import AssignAccount
from kaflow.application.actor import Actor
from kaflow.application.service import Kaflow
from kaflow.errors import field

if TYPE_CHECKING:
    from kaflow.projections.runner import Views


class People:
    """Commands and reads about users that need the views beside the application."""

    def __init__(self, app: Kaflow, views: Callable[..., Views]) -> None:
        self.app = app
        self._views = views

    def deactivate(self, actor: Actor, cmd: c.DeactivateUser) -> dict[str, Any]:
        """The user holds no role from ``cmd.effective_from`` on; their open accounts
        (not won, lost or archived) go to ``cmd.hand_over_to``, each as its own
        assignment. Refused, with nothing written, if they own open accounts and no one
        is named to take them."""
        directory = self.app.directory()
        self.app.authorise(actor, "deactivate_users", directory)
        name = directory.canonical(cmd.name)
        accounts = self.open_accounts(name)
        if accounts and cmd.hand_over_to is None:
            raise InvalidChangeError(
                f"{name} owns {len(accounts)} open account(s): name a user to hand them "
                f"over to ({field('hand_over_to')})",
                field="hand_over_to",
            )
        since, to = self.app.deactivate_user(actor, cmd)
        if to is not None:
            at = min(since, self.app.now())  # a leaving scheduled ahead hands over now
            reason = f"hand-over: {name} left"
            for account in accounts:
                assign = AssignAccount(prospect_id=account, to=to, reason=reason, occurred_at=at)
                self.app.handle(actor, assign)
        return {
            "name": name,
            "since": since.isoformat(),
            "hand_over_to": to,
            "handed_over": [str(a) for a in accounts] if to is not None else [],
        }

    def open_accounts(self, owner: str) -> list[UUID]:
        """The accounts ``owner`` is responsible for that are still being worked on."""
        from kaflow.projections.account_reads import find

        with self._views().reading() as cursor:
            found = [i for s in OPEN_STATES for i in find(cursor, owner=owner, state=s.value)]
        return [UUID(i) for i in found]

    def timeline(self, actor: Actor, name: str) -> list[dict[str, Any]]:
        """``name``'s roles in the order they took effect: since when, which (None: no
        role, deactivated), who recorded it and when."""
        self.app.authorise(actor)
        name = self.app.directory().canonical(name)
        events: list[Any] = list(self.app.events.get(DIRECTORY_ID))
        mine = [e for e in events if _user(e) == name]
        return [_entry(e) for e in sorted(mine, key=lambda e: e.effective_from)]


def _user(event: Any) -> str | None:
    return getattr(event, "name", None) or getattr(event, "owner", None)


def _entry(event: Any) -> dict[str, Any]:
    kind = type(event).__name__
    return {
        "since": event.effective_from.isoformat(),
        "role": None if kind == "UserDeactivated" else getattr(event, "role", "owner"),
        "by": getattr(event, "by", None),
        "recorded_at": event.timestamp.isoformat(),
        "event": kind,
    }
