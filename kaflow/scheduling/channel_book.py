"""What the store keeps of each channel's delivery, beside the views: how far it got (its
row in ``kaflow_delivered``, as the outbox's), how often the next notice failed and when
it is tried again, the last error, and the notices parked after too many failures.

A position is written as soon as its notice was sent: a process killed between the two
sends that one notice again (at least once), with the same idempotency key (so a
receiver that honours it takes it once).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kaflow.projections.db import DELIVERED_TABLE, VIEWS_LOCK
from kaflow.projections.runner import Views

CHANNELS_LOCK = VIEWS_LOCK + 3  # held while the channels deliver (+1: the outbox, +2: resets)
NOTIFIER = "channel:"  # a channel's row in kaflow_delivered: channel:NAME
SCHEMA = """
CREATE TABLE IF NOT EXISTS kaflow_channel_state (
    channel TEXT PRIMARY KEY,
    failing INTEGER,            -- the position of the notice that failed, if one did
    failures INTEGER NOT NULL,  -- how often it failed
    retry_at TEXT,              -- not tried again before then
    last_error TEXT,
    last_error_at TEXT,
    last_sent_at TEXT,
    sent INTEGER NOT NULL,
    skipped INTEGER NOT NULL,   -- for no one the channel reaches (no e-mail address)
    last_skipped TEXT
);
CREATE TABLE IF NOT EXISTS kaflow_channel_parked (
    channel TEXT NOT NULL,
    position INTEGER NOT NULL,
    notice TEXT NOT NULL,       -- the notice's id
    subject TEXT NOT NULL,
    failures INTEGER NOT NULL,
    error TEXT NOT NULL,
    parked_at TEXT NOT NULL,
    PRIMARY KEY (channel, position)
)
"""
STATE_COLUMNS = (
    "failing, failures, retry_at, last_error, last_error_at, last_sent_at, sent, skipped, "
    "last_skipped"
)
_UPSERT_POSITION = (
    "INSERT INTO kaflow_delivered VALUES (?, ?) ON CONFLICT (notifier) DO UPDATE SET "
    "position = CASE WHEN excluded.position > kaflow_delivered.position "
    "THEN excluded.position ELSE kaflow_delivered.position END"
)


class ChannelBook:
    def __init__(self, views: Views) -> None:
        self.views = views

    def hold(self) -> Any:
        """Held while delivering: two schedulers never send the same notice at once."""
        return self.views.database.exclusive(CHANNELS_LOCK)

    def _ready(self, cursor: Any) -> None:
        self.views.database.script(cursor, DELIVERED_TABLE)
        self.views.database.script(cursor, SCHEMA)

    # -- reading ----------------------------------------------------------------------

    def position(self, channel: str) -> int | None:
        """How far ``channel`` got; None if it never started."""
        if not self.views.database.has_table("kaflow_delivered"):
            return None
        row = self.views.db.execute(
            "SELECT position FROM kaflow_delivered WHERE notifier = ?", (NOTIFIER + channel,)
        ).fetchone()
        return None if row is None else int(row[0])

    def state(self, channel: str) -> dict[str, Any]:
        found = None
        if self.views.database.has_table("kaflow_channel_state"):
            found = self.views.db.execute(
                f"SELECT {STATE_COLUMNS} FROM kaflow_channel_state WHERE channel = ?", (channel,)
            ).fetchone()
        names = [n.strip() for n in STATE_COLUMNS.split(",")]
        if found is None:
            return dict.fromkeys(names) | {"failures": 0, "sent": 0, "skipped": 0}
        return dict(zip(names, found, strict=True))

    def parked(self, channel: str) -> list[dict[str, Any]]:
        if not self.views.database.has_table("kaflow_channel_parked"):
            return []
        rows = self.views.db.execute(
            "SELECT position, notice, subject, failures, error, parked_at "
            "FROM kaflow_channel_parked WHERE channel = ? ORDER BY position",
            (channel,),
        ).fetchall()
        keys = ("position", "notice", "subject", "failures", "error", "parked_at")
        return [dict(zip(keys, row, strict=True)) for row in rows]

    # -- writing ----------------------------------------------------------------------

    def start(self, channel: str, position: int) -> None:
        """A channel new to the store starts at ``position`` (where the outbox got to)."""
        with self.views.writing() as cursor:
            self._ready(cursor)
            cursor.execute(
                "INSERT INTO kaflow_delivered VALUES (?, ?) ON CONFLICT (notifier) DO NOTHING",
                (NOTIFIER + channel, position),
            )

    def passed(self, channel: str, position: int) -> None:
        """A notice not routed to the channel: passed over."""
        with self.views.writing() as cursor:
            self._ready(cursor)
            cursor.execute(_UPSERT_POSITION, (NOTIFIER + channel, position))

    def sent(self, channel: str, position: int, at: datetime, skipped: str | None) -> None:
        with self.views.writing() as cursor:
            self._ready(cursor)
            cursor.execute(_UPSERT_POSITION, (NOTIFIER + channel, position))
            self._state(cursor, channel)
            if skipped is None:
                cursor.execute(
                    "UPDATE kaflow_channel_state SET failing = NULL, failures = 0, "
                    "retry_at = NULL, last_sent_at = ?, sent = sent + 1 WHERE channel = ?",
                    (at.isoformat(), channel),
                )
            else:
                cursor.execute(
                    "UPDATE kaflow_channel_state SET failing = NULL, failures = 0, "
                    "retry_at = NULL, skipped = skipped + 1, last_skipped = ? WHERE channel = ?",
                    (skipped, channel),
                )

    def failed(
        self,
        channel: str,
        position: int,
        failures: int,
        error: str,
        at: datetime,
        retry_at: datetime | None,
    ) -> None:
        with self.views.writing() as cursor:
            self._ready(cursor)
            self._state(cursor, channel)
            cursor.execute(
                "UPDATE kaflow_channel_state SET failing = ?, failures = ?, retry_at = ?, "
                "last_error = ?, last_error_at = ? WHERE channel = ?",
                (
                    position,
                    failures,
                    None if retry_at is None else retry_at.isoformat(),
                    error,
                    at.isoformat(),
                    channel,
                ),
            )

    def park(
        self, channel: str, notice: dict[str, Any], failures: int, error: str, at: datetime
    ) -> None:
        """Set ``notice`` aside for ``channel`` after its last failure; the channel goes on
        with the next."""
        position = int(notice["position"])
        with self.views.writing() as cursor:
            self._ready(cursor)
            cursor.execute(
                "INSERT INTO kaflow_channel_parked VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (channel, position) DO NOTHING",
                (channel, position, str(notice["id"]), str(notice.get("subject", "")),
                 failures, error, at.isoformat()),
            )  # fmt: skip
            cursor.execute(_UPSERT_POSITION, (NOTIFIER + channel, position))
            self._state(cursor, channel)
            cursor.execute(
                "UPDATE kaflow_channel_state SET failing = NULL, failures = 0, retry_at = NULL, "
                "last_error = ?, last_error_at = ? WHERE channel = ?",
                (error, at.isoformat(), channel),
            )

    def unpark(self, channel: str, position: int, at: datetime) -> None:
        """A parked notice sent after all."""
        with self.views.writing() as cursor:
            self._ready(cursor)
            cursor.execute(
                "DELETE FROM kaflow_channel_parked WHERE channel = ? AND position = ?",
                (channel, position),
            )
            self._state(cursor, channel)
            cursor.execute(
                "UPDATE kaflow_channel_state SET sent = sent + 1, last_sent_at = ? "
                "WHERE channel = ?",
                (at.isoformat(), channel),
            )

    def parked_failed(self, channel: str, position: int, error: str, at: datetime) -> None:
        """A parked notice tried again by hand, and failed again."""
        with self.views.writing() as cursor:
            self._ready(cursor)
            cursor.execute(
                "UPDATE kaflow_channel_parked SET failures = failures + 1, error = ?, "
                "parked_at = ? WHERE channel = ? AND position = ?",
                (error, at.isoformat(), channel, position),
            )

    def _state(self, cursor: Any, channel: str) -> None:
        cursor.execute(
            "INSERT INTO kaflow_channel_state (channel, failures, sent, skipped) "
            "VALUES (?, 0, 0, 0) ON CONFLICT (channel) DO NOTHING",
            (channel,),
        )
