"""Passwords and API tokens: who a server lets act. The secrets' hashes are kept in their
own tables (``kaflow.storage.credentials``); setting a password, issuing and revoking a
token are events in the log (``kaflow.aggregates.credentials``), without the secret.

An owner sets anyone's password, a user their own; a token is issued to the acting user,
who may list and revoke their own (an owner anyone's)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from eventsourcing.application import AggregateNotFoundError

from kaflow.aggregates.credentials import UserCredentials, credentials_id
from kaflow.application import moments
from kaflow.application.actor import Actor
from kaflow.application.saving import save
from kaflow.application.service import RETRIES, Kaflow
from kaflow.errors import BadInputError, ConflictError, NotFoundError, RefusedError, field

PASSWORD_MIN, PASSWORD_MAX = 8, 1024
LABEL_MAX = 100
TOKEN_PREFIX = "kf_"


@dataclass(frozen=True)
class Grant:
    """Whom a token lets act, and how."""

    user: str
    token_id: str
    read_only: bool


def _hasher() -> Any:
    from argon2 import PasswordHasher

    return PasswordHasher()


def digest(secret: str) -> str:
    """A high-entropy secret's digest, as kept (a token, a session id)."""
    return hashlib.sha256(secret.encode()).hexdigest()


class Credentials:
    """Passwords and tokens of one application's store."""

    def __init__(self, app: Kaflow) -> None:
        from kaflow.storage.credentials import CredentialTables

        self.app = app
        self.tables = CredentialTables(app)
        self._dummy: str | None = None  # a hash to check against when a user has none

    # -- the log ------------------------------------------------------------------

    def record(self, user: str, act: Callable[[UserCredentials], None]) -> None:
        """An event on ``user``'s credentials, saved (retried on a concurrent write)."""
        for _ in range(RETRIES):
            try:
                found: Any = self.app.repository.get(credentials_id(user))
            except AggregateNotFoundError:
                found = UserCredentials(user)
            act(found)
            if save(self.app, found):
                return
        raise ConflictError("the user's credentials kept changing; nothing was written")

    def _acting(self, actor: Actor, user: str | None, action: str) -> tuple[str, str, str]:
        """(who acts, their role, the user acted on), all as added; ``action`` is needed
        only when acting on another user."""
        directory = self.app.directory()
        now = self.app.now()
        name = directory.canonical(actor.name)
        target = name if user is None else directory.canonical(user)
        role = self.app.authorise(actor, "read" if target == name else action, directory, now)
        return name, role, target

    # -- preferences --------------------------------------------------------------

    def set_language(self, actor: Actor, user: str, language: str) -> dict[str, Any]:
        """The language ``user``'s pages are in, wherever they sign in (one's own; an
        owner anyone's): ``en``, or ``zh-CN`` (also ``zh``, ``zh_CN``); ``""`` forgets
        it (the browser's then decides). Kept beside the log: a preference, not history."""
        from kaflow.application.language import LANGUAGES, code

        _, _, target = self._acting(actor, user, "edit_contacts")
        text = language.strip()
        if text and text.lower().replace("-", "_").split("_")[0] not in ("en", "zh"):
            raise BadInputError(
                f"{field('language')}: '{language}' is not one of {', '.join(LANGUAGES)} "
                "(zh-CN for 中文)",
                field="language",
            )
        if not text:
            self.tables.run("DELETE FROM {preferences} WHERE user_name = ?", (target,))
            return {"name": target, "language": None}
        chosen = code(text)
        self.tables.run(
            "INSERT INTO {preferences} VALUES (?, ?, ?) ON CONFLICT (user_name) "
            "DO UPDATE SET language = excluded.language, set_at = excluded.set_at",
            (target, chosen, self.app.now().isoformat()),
        )
        return {"name": target, "language": chosen}

    def language_of(self, user: str) -> str | None:
        """The language ``user`` (as added) chose for their pages; None if none."""
        rows = self.tables.rows("SELECT language FROM {preferences} WHERE user_name = ?", (user,))
        return str(rows[0][0]) if rows else None

    # -- passwords ----------------------------------------------------------------

    def set_password(self, actor: Actor, user: str, password: str) -> str:
        """Set ``user``'s password; their browser sessions end. The user, as added."""
        by, role, target = self._acting(actor, user, "set_passwords")
        if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
            raise BadInputError(
                f"{field('password')}: give {PASSWORD_MIN} to {PASSWORD_MAX} characters",
                field="password",
            )
        hashed = _hasher().hash(password)
        now = self.app.now()
        self.record(target, lambda c: c.set_password(by, role, now))
        self.tables.run(
            "INSERT INTO {passwords} VALUES (?, ?, ?) ON CONFLICT (user_name) "
            "DO UPDATE SET hash = excluded.hash, set_at = excluded.set_at",
            (target, hashed, now.isoformat()),
        )
        self.tables.run("UPDATE {sessions} SET revoked_at = ? WHERE user_name = ?",
                        (now.timestamp(), target))  # fmt: skip
        return target

    def check_password(self, user: str, password: str) -> str | None:
        """The user, as added, if ``password`` is theirs; None otherwise (an unknown
        user takes as long to refuse as a wrong password)."""
        from argon2.exceptions import Argon2Error

        try:
            name: str | None = self.app.directory().canonical(user)
        except NotFoundError:
            name = None
        found = self.tables.rows("SELECT hash FROM {passwords} WHERE user_name = ?", (name,))
        if self._dummy is None:
            self._dummy = _hasher().hash(secrets.token_hex(16))
        hashed = found[0][0] if found else self._dummy
        try:
            _hasher().verify(hashed, password)
        except Argon2Error:
            return None
        return name if found else None

    # -- tokens -------------------------------------------------------------------

    def issue_token(
        self, actor: Actor, label: str, expires: str | None = None, read_only: bool = False
    ) -> dict[str, Any]:
        """A new token for the acting user: the token itself is in this answer only."""
        by, _, user = self._acting(actor, None, "read")
        label = label.strip()
        if not 1 <= len(label) <= LABEL_MAX:
            raise BadInputError(
                f"{field('name')}: name the token (1 to {LABEL_MAX} characters)", field="name"
            )
        now = self.app.now()
        expires_at = None if expires is None else now + moments.span(expires, "expires")
        token_id = secrets.token_hex(6)
        token = f"{TOKEN_PREFIX}{token_id}_{secrets.token_urlsafe(32)}"
        self.record(user, lambda c: c.issue_token(token_id, label, read_only, expires_at, by, now))
        self.tables.run(
            "INSERT INTO {tokens} VALUES (?, ?, ?, ?, ?, ?, ?, NULL)",
            (
                token_id,
                user,
                label,
                digest(token),
                int(read_only),
                now.isoformat(),
                None if expires_at is None else expires_at.isoformat(),
            ),
        )
        return {**self._token(token_id), "token": token}

    def tokens(self, actor: Actor, everyone: bool = False) -> list[dict[str, Any]]:
        """The acting user's tokens (``everyone``'s: an owner), revoked ones too."""
        _, _, user = self._acting(actor, None, "read")
        if everyone:
            self.app.authorise(actor, "manage_tokens")
            rows = self.tables.rows(f"SELECT {_COLUMNS} FROM {{tokens}} ORDER BY created_at")
        else:
            rows = self.tables.rows(
                f"SELECT {_COLUMNS} FROM {{tokens}} WHERE user_name = ? ORDER BY created_at",
                (user,),
            )
        now = self.app.now()
        return [_shown(row, now) for row in rows]

    def revoke_token(self, actor: Actor, token_id: str) -> dict[str, Any]:
        """Revoke a token: it is refused from now on. One's own, or (an owner) anyone's."""
        found = self._token(token_id.strip())
        by, role, _ = self._acting(actor, found["user"], "manage_tokens")
        if found["revoked_at"] is None:
            now = self.app.now()
            self.record(found["user"], lambda c: c.revoke_token(found["id"], by, role, now))
            self.tables.run(
                "UPDATE {tokens} SET revoked_at = ? WHERE token_id = ? AND revoked_at IS NULL",
                (now.isoformat(), found["id"]),
            )
        return self._token(found["id"])

    def _token(self, token_id: str) -> dict[str, Any]:
        rows = self.tables.rows(f"SELECT {_COLUMNS} FROM {{tokens}} WHERE token_id = ?",
                                (token_id,))  # fmt: skip
        if not rows:
            raise NotFoundError(f"no token with id '{token_id}'", field="token")
        return _shown(rows[0], self.app.now())

    def grant(self, token: str) -> Grant | None:
        """Whom ``token`` lets act: None if it is unknown, revoked or expired."""
        if not token.startswith(TOKEN_PREFIX) or token.count("_") < 2:
            return None
        token_id = token[len(TOKEN_PREFIX) :].split("_", 1)[0]
        rows = self.tables.rows(
            "SELECT user_name, digest, read_only, expires_at, revoked_at FROM {tokens} "
            "WHERE token_id = ?",
            (token_id,),
        )
        if not rows:
            return None
        user, kept, read_only, expires_at, revoked_at = rows[0]
        if not hmac.compare_digest(str(kept), digest(token)) or revoked_at is not None:
            return None
        if expires_at is not None and datetime.fromisoformat(expires_at) <= self.app.now():
            return None
        return Grant(str(user), token_id, bool(read_only))


_COLUMNS = "token_id, user_name, label, read_only, created_at, expires_at, revoked_at"


def _shown(row: tuple[Any, ...], now: datetime) -> dict[str, Any]:
    token_id, user, label, read_only, created_at, expires_at, revoked_at = row
    expired = expires_at is not None and datetime.fromisoformat(expires_at) <= now
    return {
        "id": token_id,
        "user": user,
        "name": label,
        "read_only": bool(read_only),
        "created_at": created_at,
        "expires_at": expires_at,
        "revoked_at": revoked_at,
        "active": revoked_at is None and not expired,
    }


def refuse_read_only(grant: Grant | None) -> None:
    """A read-only token takes no write."""
    if grant is not None and grant.read_only:
        raise RefusedError(
            f"token {grant.token_id} is read-only: it cannot record anything", rule="access"
        )
