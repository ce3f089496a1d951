"""Notification channels: how far each got, a test message, parked notices sent again."""

from __future__ import annotations

from typing import Any

import click

from cli.context import Env, pass_env
from cli.params import acting
from cli.render import emit, output_options, table

FAILED = 2  # a channel that did not take the message: it needs attention (as scheduler tick)


@click.group()
def notify() -> None:
    """Notices delivered to the channels in kaflow.toml ([[notify.channels]]: e-mail,
    webhooks, WeCom, DingTalk, Feishu), beside the outbox file.

    The scheduler delivers each notice to every channel it is routed to, retrying with
    a wait that doubles after each failure; after park_after failures (default 5) the
    notice is parked for that channel and the channel goes on. See
    docs/notifications.md.
    """


@notify.command("status")
@output_options
@acting
@pass_env
def notify_status(env: Env, as_json: bool) -> None:
    """Each channel: its position in the log, notices pending, the last error, when a
    failed notice is tried again, and the notices parked; the outbox too.

    \b
    Example:
      kaflow notify status
      kaflow notify status --json
    """
    data = env.services.notifications.status(env.actor())
    emit(as_json, data, lambda: _status_text(env, data))


def _status_text(env: Env, data: dict[str, Any]) -> str:
    box = data["outbox"]
    lines = [f"outbox {box['file']}: position {box['position']}, {box['pending']} pending"]
    if not data["channels"]:
        lines.append("no channels set up ([[notify.channels]] in kaflow.toml)")
    for c in data["channels"]:
        kinds = ", ".join(c["notices"])
        lines += ["", f"{c['name']} ({c['type']}; {kinds})"]
        lines.append(
            f"  position {c['position']}, {c['pending']} pending, {c['sent']} sent, "
            f"{c['skipped']} skipped, {len(c['parked'])} parked"
            + ("" if c["started"] else " (starts at the next delivery)")
        )
        if c["last_sent_at"]:
            lines.append(f"  last sent {env.local(c['last_sent_at'])}")
        if c["failures"]:
            lines.append(
                f"  notice at position {c['failing']} failed {c['failures']} time(s); "
                f"next try {env.local(c['retry_at']) if c['retry_at'] else 'at the next tick'}"
            )
        if c["last_error"]:
            lines.append(f"  last error ({env.local(c['last_error_at'])}): {c['last_error']}")
        if c["last_skipped"]:
            lines.append(f"  last skipped: {c['last_skipped']}")
        if c["parked"]:
            rows = [
                (p["position"], p["notice"], p["failures"], env.local(p["parked_at"]), p["error"])
                for p in c["parked"]
            ]
            parked = table(["POSITION", "NOTICE", "FAILURES", "PARKED", "ERROR"], rows)
            lines += ["  parked:", *("    " + line for line in parked.splitlines())]
    return "\n".join(lines)


@notify.command("test")
@click.argument("channel")
@click.option("--to", "to", metavar="USER", help="Whom the message is for (default: you).")
@output_options
@acting
@pass_env
def notify_test(env: Env, channel: str, to: str | None, as_json: bool) -> None:
    """Send a test message through CHANNEL now (a manager or above), and say whether it
    went: exit 0 if the channel took it, 2 if not, with the reason.

    An e-mail channel sends it to the e-mail address of --to (default: you); a group
    bot posts it to its group, naming them.

    \b
    Example:
      kaflow notify test ops
      kaflow notify test mail --to mia --json
    """
    data = env.services.notifications.test(env.actor(), channel, to)

    def text() -> str:
        if data["ok"]:
            return (
                f"sent: {data['channel']} ({data['type']}) took the test message for {data['to']}"
            )
        return f"NOT sent: {data['channel']} ({data['type']}): {data['error']}"

    emit(as_json, data, text)
    if not data["ok"]:
        raise click.exceptions.Exit(FAILED)


@notify.command("retry")
@click.argument("channel")
@click.option(
    "--position",
    "positions",
    type=int,
    multiple=True,
    metavar="N",
    help="A parked notice's position (again for more; default: every parked notice).",
)
@output_options
@acting
@pass_env
def notify_retry(env: Env, channel: str, positions: tuple[int, ...], as_json: bool) -> None:
    """Send CHANNEL's parked notices again now (a manager or above): each one sent
    leaves the parked list; exit 2 if any failed again.

    \b
    Example:
      kaflow notify retry ops
      kaflow notify retry mail --position 17
    """
    data = env.services.notifications.retry(env.actor(), channel, list(positions) or None)

    def text() -> str:
        lines = [f"{data['channel']}: {len(data['sent'])} sent, {len(data['failed'])} failed"]
        lines += [f"  sent {s['notice']} (position {s['position']})" for s in data["sent"]]
        lines += [
            f"  failed {f['notice']} (position {f['position']}): {f['error']}"
            for f in data["failed"]
        ]
        return "\n".join(lines)

    emit(as_json, data, text)
    if data["failed"]:
        raise click.exceptions.Exit(FAILED)


COMMANDS = [notify]
