"""Signing in through a browser: server-side sessions (revocable, with idle and absolute
expiry, each with its CSRF token), kept in a table of the store so that any server
process answers any request; failed sign-ins throttled per user and per address.
Sign-ins, sign-outs and lock-outs are events on the user's credentials, without secrets.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from kaflow.application.actor import Actor
from kaflow.application.credentials import Credentials, digest
from kaflow.errors import KaflowError, NotFoundError, RefusedError

IDLE = timedelta(hours=2)  # a session unused this long ends
ABSOLUTE = timedelta(hours=12)  # and any session after this long
FAILURES_ALLOWED = 5  # failed sign-ins per user, and per address, ...
WINDOW = timedelta(minutes=1)  # ... in this window; then refused until it passes
TOUCH_EVERY = 60.0  # seconds between writes of a session's last use


@dataclass(frozen=True)
class Session:
    user: str
    csrf: str
    key: str = ""  # the session's own secret (the cookie), known only when it starts
    language: str | None = None  # the user's own choice for their pages, if they made one


class Sessions:
    def __init__(
        self,
        credentials: Credentials,
        idle: timedelta = IDLE,
        absolute: timedelta = ABSOLUTE,
        allowed: int = FAILURES_ALLOWED,
        window: timedelta = WINDOW,
    ) -> None:
        self.credentials = credentials
        self.app = credentials.app
        self.tables = credentials.tables
        self.idle, self.absolute = idle, absolute
        self.allowed, self.window = allowed, window

    def sign_in(self, user: str, password: str, address: str) -> Session:
        """A new session for ``user``, if ``password`` is theirs and they hold a role;
        refused (rule ``sign_in``) otherwise, or (rule ``throttled``) after too many
        failures for this user or from this address within the window."""
        now = self.app.now()
        subjects = (f"user:{_folded(user)}", f"address:{address}")
        self._refuse_if_throttled(subjects, now.timestamp())
        name = self.credentials.check_password(user, password)
        if name is not None and not self._holds_role(name):
            name = None
        if name is None:
            self._failed(user, address, subjects, now.timestamp())
            raise RefusedError("unknown user or wrong password", rule="sign_in", field="password")
        self.tables.run("DELETE FROM {failures} WHERE subject = ?", (subjects[0],))
        key, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        self.credentials.record(name, lambda c: c.sign_in(address, now))
        stamp = now.timestamp()
        self.tables.run(
            "INSERT INTO {sessions} VALUES (?, ?, ?, ?, ?, NULL)",
            (digest(key), name, csrf, stamp, stamp),
        )
        return Session(name, csrf, key)

    def _holds_role(self, name: str) -> bool:
        try:
            self.app.authorise(Actor(name))
        except KaflowError:
            return False
        return True

    def _refuse_if_throttled(self, subjects: tuple[str, ...], now: float) -> None:
        since = now - self.window.total_seconds()
        for subject in subjects:
            rows = self.tables.rows(
                "SELECT COUNT(*), MIN(at) FROM {failures} WHERE subject = ? AND at > ?",
                (subject, since),
            )
            count, first = rows[0]
            if count >= self.allowed:
                wait = int(first + self.window.total_seconds() - now) + 1
                raise RefusedError(
                    f"too many failed sign-ins; try again in {wait} s", rule="throttled"
                )

    def _failed(self, user: str, address: str, subjects: tuple[str, ...], now: float) -> None:
        """Count the failure; the one that reaches the limit locks the user out for the
        window, recorded (for a known user) as an event."""
        horizon = now - 10 * self.window.total_seconds()
        self.tables.run("DELETE FROM {failures} WHERE at < ?", (horizon,))
        for subject in subjects:
            self.tables.run("INSERT INTO {failures} VALUES (?, ?)", (subject, now))
        since = now - self.window.total_seconds()
        counts = [
            self.tables.rows(
                "SELECT COUNT(*) FROM {failures} WHERE subject = ? AND at > ?", (s, since)
            )[0][0]
            for s in subjects
        ]
        if self.allowed not in counts:
            return
        try:
            name = self.app.directory().canonical(user)
        except NotFoundError:
            return
        at = self.app.now()
        until = at + self.window
        self.credentials.record(name, lambda c: c.lock_out(address, max(counts), until, at))

    def session(self, key: str) -> Session | None:
        """The session ``key`` opens, if it has not ended (signed out, revoked, idle or
        too old); its last use is kept."""
        if not key:
            return None
        rows = self.tables.rows(
            "SELECT s.user_name, s.csrf, s.created_at, s.seen_at, s.revoked_at, p.language "
            "FROM {sessions} s LEFT JOIN {preferences} p ON p.user_name = s.user_name "
            "WHERE s.digest = ?",
            (digest(key),),
        )
        if not rows:
            return None
        user, csrf, created, seen, revoked, language = rows[0]
        now = self.app.now().timestamp()
        if revoked is not None or now - seen > self.idle.total_seconds():
            return None
        if now - created > self.absolute.total_seconds():
            return None
        if now - seen > TOUCH_EVERY:
            self.tables.run("UPDATE {sessions} SET seen_at = ? WHERE digest = ?",
                            (now, digest(key)))  # fmt: skip
        return Session(str(user), str(csrf), language=language)

    def sign_out(self, key: str, address: str) -> None:
        """End the session; recorded for its user."""
        found = self.session(key)
        if found is None:
            return
        now = self.app.now()
        self.tables.run("UPDATE {sessions} SET revoked_at = ? WHERE digest = ?",
                        (now.timestamp(), digest(key)))  # fmt: skip
        self.credentials.record(found.user, lambda c: c.sign_out(address, now))


def _folded(name: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFKC", name.strip()).casefold()
