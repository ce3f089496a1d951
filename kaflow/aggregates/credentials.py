"""A user's credentials as the log records them: a password set, API tokens issued and
revoked, sign-ins, sign-outs and lock-outs. Never the secret: hashes live in their own
table beside the log (``kaflow.storage.credentials``), where they can be replaced and
destroyed; the log says only that, when, and by whom.

One aggregate per user, apart from the user directory, so that signing in never races
a change of roles."""

from __future__ import annotations

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event


def credentials_id(user: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"kaflow:credentials:{user}")


class UserCredentials(Aggregate):
    class_version = 1

    class Event(Aggregate.Event):
        class_version = 1

    @staticmethod
    def create_id(user: str) -> UUID:
        return credentials_id(user)

    @event("Created")
    def __init__(self, user: str) -> None:
        self.user = user
        self.tokens: list[str] = []  # ids of the tokens issued and not revoked

    def set_password(self, by: str, by_role: str, at: datetime) -> None:
        self._password_set(by, by_role, at)

    def issue_token(
        self,
        token_id: str,
        label: str,
        read_only: bool,
        expires_at: datetime | None,
        by: str,
        at: datetime,
    ) -> None:
        self._token_issued(token_id, label, read_only, expires_at, by, at)

    def revoke_token(self, token_id: str, by: str, by_role: str, at: datetime) -> None:
        self._token_revoked(token_id, by, by_role, at)

    def sign_in(self, address: str, at: datetime) -> None:
        self._signed_in(address, at)

    def sign_out(self, address: str, at: datetime) -> None:
        self._signed_out(address, at)

    def lock_out(self, address: str, failures: int, until: datetime, at: datetime) -> None:
        self._locked_out(address, failures, until, at)

    @event("PasswordSet")
    def _password_set(self, by: str, by_role: str, at: datetime) -> None:
        pass

    @event("TokenIssued")
    def _token_issued(
        self,
        token_id: str,
        label: str,
        read_only: bool,
        expires_at: datetime | None,
        by: str,
        at: datetime,
    ) -> None:
        self.tokens.append(token_id)

    @event("TokenRevoked")
    def _token_revoked(self, token_id: str, by: str, by_role: str, at: datetime) -> None:
        if token_id in self.tokens:
            self.tokens.remove(token_id)

    @event("SignedIn")
    def _signed_in(self, address: str, at: datetime) -> None:
        pass

    @event("SignedOut")
    def _signed_out(self, address: str, at: datetime) -> None:
        pass

    @event("SignInLockedOut")
    def _locked_out(self, address: str, failures: int, until: datetime, at: datetime) -> None:
        pass
