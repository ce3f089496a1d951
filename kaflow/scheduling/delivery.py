"""Delivering notices to the channels in kaflow.toml, beside the outbox: each channel in
order of the log's positions, at least once and in practice once, whatever the others do.

Each channel keeps its own position (``kaflow.scheduling.channel_book``). A notice that
fails is tried again at the next tick due after a wait that doubles with each failure
(``retry_after``, then twice that, ...); after ``park_after`` failures it is parked for
that channel, and the channel goes on with the next. A channel's failure is recorded,
never raised: the outbox, the other channels and the scheduler go on. Every message
carries the notice's idempotency key, ``kaflow:<store>:<position>``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from kaflow.errors import WorkspaceError
from kaflow.scheduling.channel_book import ChannelBook
from kaflow.scheduling.channels import Message, Recipient, Sender, SendError, sender
from kaflow.scheduling.channels.config import Channel, NotifySettings
from kaflow.scheduling.notify import Notice, Notifier, Pending

LONGEST_WAIT = timedelta(days=1)


def store_tag(identity: str | None) -> str:
    """A short, stable name for the store in idempotency keys."""
    return hashlib.sha256((identity or "").encode()).hexdigest()[:12]


@dataclass
class ChannelResult:
    """What one tick did on one channel."""

    channel: str
    sent: int = 0
    skipped: list[dict[str, Any]] = field(default_factory=list)
    parked: list[dict[str, Any]] = field(default_factory=list)
    failed: dict[str, Any] | None = None  # the notice that failed this time, to retry
    waiting_until: str | None = None  # the next try of a failed notice, not yet due

    def acted(self) -> bool:
        return bool(self.sent or self.skipped or self.parked or self.failed)

    def as_dict(self) -> dict[str, Any]:
        return {
            "channel": self.channel,
            "sent": self.sent,
            "skipped": self.skipped,
            "parked": self.parked,
            "failed": self.failed,
            "waiting_until": self.waiting_until,
        }


class ChannelDelivery:
    """Sends the notices to every channel, each from its own position."""

    def __init__(
        self,
        book: ChannelBook,
        settings: NotifySettings,
        store: str | None,
        contacts: Callable[[str], Mapping[str, str]],
        environ: Mapping[str, str],
        senders: Callable[[Channel], Sender] | None = None,
    ) -> None:
        self.book, self.settings, self.contacts = book, settings, contacts
        self.tag = store_tag(store)
        self.sender = senders or (lambda channel: sender(channel, environ))

    def message(self, notice: Notice, key: str | None = None) -> Message:
        names = [str(n) for n in notice.get("to", [])]
        recipients = tuple(Recipient(n, dict(self.contacts(n))) for n in names)
        return Message(key or self.key(int(notice["position"])), notice, recipients)

    def key(self, position: int | str) -> str:
        return f"kaflow:{self.tag}:{position}"

    def start(self, position: int) -> None:
        """Channels new to the store start where the outbox got to: they deliver what is
        recorded from now on, not every notice since the store began."""
        for channel in self.settings.channels:
            if self.book.position(channel.name) is None:
                self.book.start(channel.name, position)

    def deliver(self, pending: Pending, now: datetime) -> list[ChannelResult]:
        with self.book.hold():
            return [self._deliver(channel, pending, now) for channel in self.settings.channels]

    def _deliver(self, channel: Channel, pending: Pending, now: datetime) -> ChannelResult:
        result = ChannelResult(channel.name)
        state = self.book.state(channel.name)
        retry_at = state["retry_at"]
        if retry_at is not None and now < datetime.fromisoformat(retry_at):
            result.waiting_until = retry_at
            return result
        position = self.book.position(channel.name) or 0
        send = self.sender(channel)
        while notices := pending(position):
            for notice in notices:
                at = int(notice["position"])
                failures = state["failures"] if state["failing"] == at else 0
                state = {"failing": None, "failures": 0}
                if notice.get("kind") not in channel.notices:
                    self.book.passed(channel.name, at)
                elif not self._send(channel, send, notice, failures, now, result):
                    return result
                position = at
        return result

    def _send(
        self,
        channel: Channel,
        send: Sender,
        notice: Notice,
        failures: int,
        now: datetime,
        result: ChannelResult,
    ) -> bool:
        """Send one notice: whether the channel goes on (sent, skipped or parked)."""
        at = int(notice["position"])
        try:
            skipped = send.send(self.message(notice))
        except SendError as e:
            failures += 1
            error = str(e)
            if failures >= self.settings.park_after_for(channel):
                self.book.park(channel.name, notice, failures, error, now)
                result.parked.append({"notice": notice["id"], "position": at, "error": error})
                return True
            wait = self.settings.retry_after_for(channel) * 2 ** (failures - 1)
            retry_at = now + min(wait, LONGEST_WAIT)
            self.book.failed(channel.name, at, failures, error, now, retry_at)
            result.failed = {
                "notice": notice["id"],
                "position": at,
                "failures": failures,
                "error": error,
                "retry_at": retry_at.isoformat(),
            }
            return False
        self.book.sent(channel.name, at, now, skipped)
        if skipped is None:
            result.sent += 1
        else:
            result.skipped.append({"notice": notice["id"], "position": at, "why": skipped})
        return True


class Fanout:
    """The outbox, then every channel. A channel that fails holds up neither the outbox
    nor the others; an outbox that cannot be written holds up no channel (its error is
    raised once the channels are done, as the outbox alone raises it)."""

    def __init__(
        self,
        outbox: Notifier,
        channels: ChannelDelivery,
        outbox_position: Callable[[], int],
        clock: Callable[[], datetime],
    ) -> None:
        self.outbox, self.channels = outbox, channels
        self.outbox_position, self.clock = outbox_position, clock
        self.results: list[ChannelResult] = []

    def deliver(self, pending: Pending) -> int:
        return self.deliver_at(pending, self.clock())

    def deliver_at(self, pending: Pending, now: datetime) -> int:
        """Deliver everything not yet delivered; ``now`` times the channels' retries."""
        self.results = []
        self.channels.start(self.outbox_position())
        failure: OSError | WorkspaceError | None = None
        delivered = 0
        try:
            delivered = self.outbox.deliver(pending)
        except (OSError, WorkspaceError) as e:
            failure = e
        self.results = self.channels.deliver(pending, now)
        if failure is not None:
            raise failure
        return delivered
