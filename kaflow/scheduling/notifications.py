"""The notification channels as people use them, each with the acting user: how far each
got and what it set aside (any user), a test message and parked notices sent again (a
manager or above)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from kaflow.application.actor import Actor
from kaflow.application.service import Kaflow
from kaflow.errors import NotFoundError
from kaflow.scheduling.channels import SendError
from kaflow.scheduling.channels.config import Channel, NotifySettings
from kaflow.scheduling.delivery import ChannelDelivery
from kaflow.scheduling.notify import Notice

BATCH = 1000


class Notifications:
    def __init__(
        self,
        app: Kaflow,
        outbox: str,
        settings: NotifySettings | None,
        delivery: ChannelDelivery | None,
        outbox_position: Callable[[], int],
        notices: Callable[[int], list[Notice]],
    ) -> None:
        self.app, self.outbox, self.settings, self.delivery = app, outbox, settings, delivery
        self.outbox_position, self.notices = outbox_position, notices

    def status(self, actor: Actor) -> dict[str, Any]:
        """The outbox and each channel: position, notices pending, the last error, when
        a failed notice is tried again, the notices parked."""
        self.app.authorise(actor)
        outbox = self.outbox_position()
        channels: list[dict[str, Any]] = []
        found = {
            "outbox": {"file": self.outbox, "position": outbox, "pending": self._pending(outbox)},
            "channels": channels,
        }
        if self.settings is None or self.delivery is None:
            return found
        book = self.delivery.book
        for channel in self.settings.channels:
            kept = book.position(channel.name)
            position = outbox if kept is None else kept
            state = book.state(channel.name)
            channels.append(
                {
                    "name": channel.name,
                    "type": channel.type,
                    "notices": list(channel.notices),
                    "started": kept is not None,
                    "position": position,
                    "pending": self._pending(position, channel.notices),
                    **state,
                    "parked": book.parked(channel.name),
                }
            )
        return found

    def _pending(self, after: int, kinds: tuple[str, ...] | None = None) -> int:
        count = 0
        while batch := self.notices(after):
            count += sum(1 for n in batch if kinds is None or n.get("kind") in kinds)
            after = int(batch[-1]["position"])
        return count

    def test(self, actor: Actor, name: str, to: str | None = None) -> dict[str, Any]:
        """Send a test message through channel ``name``, for ``to`` (default: the acting
        user): whether it went, and if not, why."""
        delivery, channel = self._channel(actor, name)
        directory = self.app.directory()
        by = directory.canonical(actor.name)
        user = directory.canonical(to) if to else by
        now = self.app.now()
        notice = {
            "id": f"test:{channel.name}",
            "kind": "test",
            "subject": f"kaflow: a test of the channel {channel.name}",
            "text": (
                f"{by} sent this test message through the {channel.type} channel "
                f"{channel.name!r} at {now.strftime('%Y-%m-%d %H:%M %z')}. It reached you: "
                "the channel works."
            ),
            "to": [user],
            "sent_by": by,
            "sent_at": now.isoformat(),
        }
        key = delivery.key(f"test:{secrets.token_hex(6)}")
        answer = {"channel": channel.name, "type": channel.type, "to": user, "key": key}
        try:
            skipped = delivery.sender(channel).send(delivery.message(notice, key))
        except SendError as e:
            return {**answer, "ok": False, "error": str(e)}
        return {**answer, "ok": skipped is None, "error": skipped}

    def retry(self, actor: Actor, name: str, positions: list[int] | None) -> dict[str, Any]:
        """Send channel ``name``'s parked notices again (those at ``positions``, or all):
        each one sent leaves the parked list."""
        delivery, channel = self._channel(actor, name)
        book = delivery.book
        sent: list[dict[str, Any]] = []
        failed: list[dict[str, Any]] = []
        with book.hold():
            parked = book.parked(channel.name)
            wanted = [p for p in parked if positions is None or p["position"] in positions]
            unknown = sorted(set(positions or []) - {p["position"] for p in parked})
            if unknown:
                raise NotFoundError(
                    f"no notice parked at position {unknown[0]} for {channel.name}",
                    field="position",
                )
            for entry in wanted:
                self._again(delivery, channel, entry, sent, failed)
        return {"channel": channel.name, "sent": sent, "failed": failed}

    def _again(
        self,
        delivery: ChannelDelivery,
        channel: Channel,
        entry: dict[str, Any],
        sent: list[dict[str, Any]],
        failed: list[dict[str, Any]],
    ) -> None:
        position = int(entry["position"])
        now = self.app.now()
        found = [n for n in self.notices(position - 1)[:1] if n["position"] == position]
        shown = {"notice": entry["notice"], "position": position}
        try:
            if not found:
                raise SendError("the notice is no longer in the log's views")
            skipped = delivery.sender(channel).send(delivery.message(found[0]))
        except SendError as e:
            delivery.book.parked_failed(channel.name, position, str(e), now)
            failed.append({**shown, "error": str(e)})
            return
        delivery.book.unpark(channel.name, position, now)
        sent.append({**shown, "skipped": skipped})

    def _channel(self, actor: Actor, name: str) -> tuple[ChannelDelivery, Channel]:
        self.app.authorise(actor, "manage_notifications")
        channel = None if self.settings is None else self.settings.channel(name)
        if channel is None or self.delivery is None:
            known = [c.name for c in self.settings.channels] if self.settings else []
            raise NotFoundError(
                f"no notification channel called {name!r} in kaflow.toml ("
                + (f"known: {', '.join(known)})" if known else "none is set up)"),
                field="channel",
            )
        return self.delivery, channel
