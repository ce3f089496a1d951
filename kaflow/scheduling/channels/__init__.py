"""Channels a notice is delivered to beside the outbox: e-mail (SMTP), a generic webhook,
and the group bots of WeCom, DingTalk and Feishu, each in its own message format.

A channel sends one message a notice, carrying the notice's idempotency key (the same
however often it is sent), and either sends it or raises ``SendError`` saying why not:
retrying, backing off and parking are the delivery's (``kaflow.scheduling.delivery``).
Settings are in ``config``; secrets are read from the environment when a message is
sent, never kept in kaflow.toml.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from kaflow.scheduling.channels.config import Channel


class SendError(Exception):
    """The channel's server could not be reached, or refused the message."""


@dataclass(frozen=True)
class Recipient:
    """Someone a notice is for: their name, and their e-mail and IM handles, if known."""

    name: str
    contacts: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Message:
    key: str  # the idempotency key: kaflow:<store>:<position> (a test: kaflow:<store>:test:…)
    notice: dict[str, Any]  # the notice, as the outbox has it
    recipients: tuple[Recipient, ...] = ()

    @property
    def subject(self) -> str:
        return str(self.notice.get("subject", "kaflow"))

    @property
    def text(self) -> str:
        return str(self.notice.get("text", ""))


class Sender(Protocol):
    def send(self, message: Message) -> str | None:
        """Send ``message``: None once sent, or why it was not for anyone here (no
        recipient has an address); ``SendError`` if it could not be."""
        ...


def secret(environ: Mapping[str, str], name: str | None) -> str | None:
    """The secret in the environment variable ``name``; a ``SendError`` if it is unset."""
    if name is None:
        return None
    value = environ.get(name)
    if not value:
        raise SendError(f"the environment variable {name} is not set (it holds the secret)")
    return value


def sender(channel: Channel, environ: Mapping[str, str]) -> Sender:
    """What sends to ``channel``."""
    if channel.type == "smtp":
        from kaflow.scheduling.channels.smtp import SmtpSender

        return SmtpSender(channel, environ)  # type: ignore[arg-type]
    from kaflow.scheduling.channels.webhooks import hook_sender

    return hook_sender(channel, environ)
