"""What every read shares: the acting user's cut of time, what they may see, and the
personal fields opened in each answer (kaflow.application.queries is built on it)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from kaflow.application import accounts, moments
from kaflow.application.actor import Actor
from kaflow.application.service import Kaflow
from kaflow.errors import BadInputError, NotFoundError

if TYPE_CHECKING:
    from kaflow.projections.runner import Views

F = TypeVar("F", bound=Callable[..., Any])


def revealed(method: F) -> F:
    """The answer with its personal fields opened (or ``[erased]``): they are sealed in
    the log and the views, and in clear only in an answer to a user."""

    @functools.wraps(method)
    def answer(self: Reads, *args: Any, **kwargs: Any) -> Any:
        found = method(self, *args, **kwargs)
        keyring = self.app.keyring
        return found if keyring is None else keyring.reveal(found)

    return cast(F, answer)


class Reads:
    """Reads of one application's store; ``views`` gives the views, caught up."""

    def __init__(self, app: Kaflow, views: Callable[..., Views]) -> None:
        self.app = app
        self._views = views

    # -- inputs -------------------------------------------------------------------

    def moment(self, text: str | None, name: str, *, end_of_day: bool = False) -> datetime | None:
        """A time as a user writes it (ISO 8601; a date, a time of day), in the
        workspace's zone; ``name`` is the field it fills, for the message."""
        return moments.moment(text, name, self.app.zone, self.app.now(), end_of_day=end_of_day)

    def account_id(self, actor: Actor, text: str) -> UUID:
        """An account from its id, a unique prefix of at least 6 characters, or its
        name if no other account has it."""
        from kaflow.projections.account_reads import named

        self.app.authorise(actor)
        try:
            return accounts.resolve_id(self.app, text)
        except (BadInputError, NotFoundError):
            with self._views().reading() as cursor:
                found = named(cursor, text.strip())
            if not found:
                raise
            return accounts.named(self.app, text, found)

    # -- accounts -----------------------------------------------------------------

    def _cut(
        self, as_of: str | None, recorded_by: str | None
    ) -> tuple[datetime | None, datetime | None]:
        return moments.cut(as_of, recorded_by, self.app.zone, self.app.now())

    def _scope(self, actor: Actor) -> str | None:
        """The acting user, if they may see only the accounts they own or took part in
        (row scoping: ``[access] sales_see = "own"``), else None."""
        role = self.app.authorise(actor)
        return self.app.directory().canonical(actor.name) if self.app.scoped(role) else None

    def _may_see(self, actor: Actor, account_id: UUID) -> None:
        """Refused (access) unless the acting user may see the account."""
        role = self.app.authorise(actor)
        if self.app.scoped(role):
            name = self.app.directory().canonical(actor.name)
            self.app.require_part(self.app.get_prospect(account_id), name, role)

    def _hidden(self, visible_to: str | None) -> set[str]:
        """Ids (hex) of the accounts the user may not see (none unless scoped)."""
        if visible_to is None:
            return set()
        from kaflow.projections.account_reads import hidden_from

        with self._views().reading() as cursor:
            return hidden_from(cursor, visible_to)

    def _owner(self, name: str | None) -> str | None:
        return self.app.directory().canonical(name) if name else None
