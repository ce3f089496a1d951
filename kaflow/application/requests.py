"""What clients of a server ask of a command beyond its fields: that the account still be
at the version they read (``If-Match``), and that a retried request be recorded once
(``Idempotency-Key``). Nothing is written when either refuses."""

from __future__ import annotations

from typing import Any

from kaflow.aggregates.prospect import Prospect
from kaflow.application import commands as c
from kaflow.application.actor import Actor
from kaflow.application.saving import save
from kaflow.application.service import Kaflow
from kaflow.errors import BadInputError, ConflictError

KEY_MAX = 200
STALE = "version"  # the rule of a refusal for a stale version


def handle_at_version(app: Kaflow, actor: Actor, cmd: c.ProspectCommand, version: int) -> Prospect:
    """The step, only if the account is at ``version`` when it is saved: no retry, for
    a concurrent write makes the client's version stale. The account as saved."""
    try:
        prospect = app.get_prospect(cmd.prospect_id)
        if prospect.version != version:
            raise _stale(version, prospect.version)
        app.prepare(actor, prospect, cmd)
        if not save(app, prospect):
            raise _stale(version, app.get_prospect(cmd.prospect_id).version)
        return prospect
    finally:
        app.forget_unrecorded_keys()


def _stale(expected: int, found: int) -> ConflictError:
    return ConflictError(
        f"the account is at version {found}, not {expected}: it changed since it was read; "
        "nothing was written",
        rule=STALE,
        field="version",
    )


class Idempotency:
    """Requests by key, per user: the first is carried out and its answer kept; a retry
    with the same key and request gets that answer, and records nothing again."""

    def __init__(self, app: Kaflow, tables: Any) -> None:
        self.app, self.tables = app, tables

    def begin(self, user: str, key: str, fingerprint: str) -> tuple[int, str] | None:
        """None: go ahead (the key is held for this request); else the status and body
        answered before."""
        if not 1 <= len(key) <= KEY_MAX or not key.isprintable():
            raise BadInputError(
                f"an idempotency key is 1 to {KEY_MAX} printable characters",
                field="idempotency_key",
            )
        if self.tables.insert_new(
            "INSERT INTO {idempotency} VALUES (?, ?, ?, ?, NULL, NULL)",
            (user, key, fingerprint, self.app.now().timestamp()),
        ):
            return None
        rows = self.tables.rows(
            "SELECT fingerprint, status, body FROM {idempotency} "
            "WHERE user_name = ? AND idem_key = ?",
            (user, key),
        )
        if not rows:  # given up by another request in the meantime: try once more
            return self.begin(user, key, fingerprint)
        kept, status, body = rows[0]
        if status is None:
            raise ConflictError(
                "a request with this idempotency key is under way (or was cut short: look "
                "at the account's history before using another key)"
            )
        if kept != fingerprint:
            raise BadInputError(
                "this idempotency key was used for another request", field="idempotency_key"
            )
        return int(status), str(body)

    def finish(self, user: str, key: str, status: int, body: str) -> None:
        self.tables.run(
            "UPDATE {idempotency} SET status = ?, body = ? WHERE user_name = ? AND idem_key = ?",
            (status, body, user, key),
        )

    def give_up(self, user: str, key: str) -> None:
        """The request failed and wrote nothing: the key may be used again."""
        self.tables.run(
            "DELETE FROM {idempotency} WHERE user_name = ? AND idem_key = ? AND status IS NULL",
            (user, key),
        )
