"""Deadlines (R11): the scheduler, the open deadlines, and the window what-if."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Any

import click

from cli import errors
from cli.context import Env, pass_env, stop_on_signals
from cli.params import acting
from cli.render import emit, output_options, short, table
from kaflow.errors import BadInputError, render
from kaflow.reporting.text import span


@click.group()
def scheduler() -> None:
    """Enforce the deadlines: remind, record missed follow-ups, escalate.

    The scheduler acts as nobody: it needs no --as. Notices go to the outbox file
    named in kaflow.toml ([notify] outbox, default outbox.jsonl), one JSON line each,
    and to the channels set up there ([[notify.channels]]; see 'kaflow notify status').
    """


@scheduler.command("tick")
@click.option(
    "--now",
    "now_text",
    metavar="WHEN",
    help="Do the work due at this time instead of now (tests, catching up by hand).",
)
@click.option(
    "--allow-future", is_flag=True, help="Accept a --now ahead of the clock (tests, trials)."
)
@output_options
@pass_env
def scheduler_tick(env: Env, now_text: str | None, allow_future: bool, as_json: bool) -> None:
    """Do all the deadline work due now, once, and exit: for cron or a systemd timer.

    Records each reminder and each missed follow-up deadline on its account (exactly
    once, however many schedulers run), then delivers every notice not yet delivered.

    \b
    Example:
      kaflow scheduler tick
      kaflow scheduler tick --now 2025-12-01T09:00 --json   # catching up by hand
    """
    report = env.services.tick(env.when(now_text, "now"), allow_future)
    if report.warning:
        click.echo(f"warning: {render(report.warning, errors.option, errors.command)}", err=True)
    emit(as_json, report.as_dict(), lambda: _tick_text(env, report.as_dict()))
    if report.failed:
        raise click.exceptions.Exit(4)  # the rest is done; these are tried again next time
    if report.undelivered:
        raise click.exceptions.Exit(2)  # recorded; delivered once the outbox is usable


def _tick_text(env: Env, data: dict[str, Any]) -> str:
    lines = [f"At {env.local(datetime.fromisoformat(data['now']))}:"]
    for kind, label in (("overdue", "overdue"), ("reminded", "reminder")):
        for item in data[kind]:
            lines.append(
                f"  {label}: account {short(item['account'])}, visit {item['deadline']} "
                f"led by {item['lead']}, due {env.local(datetime.fromisoformat(item['due_at']))}"
            )
    for item in data.get("rungs", []):
        lines.append(
            f"  ladder rung {item['rung']} ({item['at']}): account {short(item['account'])}, "
            f"visit {item['deadline']} led by {item['lead']}; told {', '.join(item['to'])}"
        )
    for item in data.get("digests", []):
        lines.append(
            f"  digest for {item['user']}: {item['due']} due this week, "
            f"{item['overdue']} overdue in the team"
        )
    if len(lines) == 1:
        lines.append("  nothing was due")
    lines.append(f"  {data['delivered']} notice(s) delivered to {env.settings.outbox}")
    lines += [f"  {_channel_text(env, c)}" for c in data.get("channels", [])]
    if data.get("undelivered"):
        lines.append(f"  notices not delivered (they will be next time): {data['undelivered']}")
    for item in data.get("failed", []):
        lines.append(
            f"  not done, will try again: account {short(item['account'])}, "
            f"visit {item['deadline']}: {item['error']}"
        )
    if data.get("sealed"):
        lines.append(f"  checkpoint of the log signed at position {data['sealed']['position']}")
    return "\n".join(lines)


def _channel_text(env: Env, done: dict[str, Any]) -> str:
    """What a tick did on one notification channel."""
    parts = [f"{done['sent']} sent"]
    if done["skipped"]:
        parts.append(f"{len(done['skipped'])} skipped ({done['skipped'][-1]['why']})")
    if done["parked"]:
        parts.append(f"{len(done['parked'])} parked after failing (see 'kaflow notify status')")
    text = f"channel {done['channel']}: " + ", ".join(parts)
    failed = done["failed"]
    if failed:
        text += (
            f"; not delivered ({failed['failures']} failure(s)): {failed['error']}; "
            f"next try {env.local(failed['retry_at'])}"
        )
    if done["waiting_until"]:
        text += f"; waiting to try again at {env.local(done['waiting_until'])}"
    return text


@scheduler.command("run")
@click.option(
    "--poll",
    type=click.FloatRange(min=0.2, max=86400),
    default=30.0,
    show_default=True,
    metavar="SECONDS",
    help="How often to look for new, settled and due deadlines.",
)
@pass_env
def scheduler_run(env: Env, poll: float) -> None:
    """Run until stopped (SIGINT or SIGTERM), doing each deadline's work at its time.

    At start, and every --poll seconds, it does at once whatever fell due while it was
    not running, and plans the deadlines due within the next two polls; a follow-up or
    a new visit recorded meanwhile is seen at the next poll. Two schedulers on one
    store never record or deliver anything twice.

    \b
    Example:
      kaflow scheduler run --poll 10
    """
    if not 0.2 <= poll <= 86400:  # click's range lets NaN through
        raise BadInputError("--poll: a number of seconds from 0.2 to 86400")
    stop = stop_on_signals()

    def report(done: Any) -> None:
        click.echo(_tick_text(env, done.as_dict()))
        sys.stdout.flush()

    def warn(text: str) -> None:
        click.echo(f"warning: {text}", err=True)

    def ready(planned: int, pending: int) -> None:
        click.echo(
            f"watching {pending} open deadline(s); {planned} due within {2 * poll:g} s planned"
        )
        sys.stdout.flush()

    runner = env.services.scheduler(poll, report, warn, ready)
    runner.start()
    click.echo(f"scheduler running (poll every {poll:g} s); stop with Ctrl-C or SIGTERM")
    sys.stdout.flush()
    while not stop.wait(0.2) and not runner.stale:
        pass
    runner.stop()
    if runner.stale:
        raise click.exceptions.Exit(4)
    click.echo("scheduler stopped")


@click.command("deadlines")
@click.option("--overdue", is_flag=True, help="Only those whose due time has passed.")
@output_options
@acting
@pass_env
def deadlines(env: Env, overdue: bool, as_json: bool) -> None:
    """Open follow-up deadlines (R11): account, visit, lead, due, time left or overdue.

    \b
    Example:
      kaflow deadlines
      kaflow deadlines --overdue --json
    """
    data = env.queries.deadlines(env.actor(), overdue)

    def text() -> str:
        return table(
            ["ACCOUNT", "NAME", "VISIT", "LEAD", "DUE", "LEFT", "RECORDED OVERDUE"],
            [
                (
                    short(d["account"]["id"]),
                    d["account"]["name"],
                    f"{d['visit']} ({_local(env, d['visit_at'])})",
                    d["lead"],
                    _local(env, d["due_at"]),
                    ("overdue " if d["overdue"] else "") + span(abs(d["seconds_left"])),
                    _local(env, d["overdue_recorded_at"]) if d["overdue_recorded_at"] else "-",
                )
                for d in data
            ],
            empty="no open follow-up deadlines" + (" overdue" if overdue else ""),
        )

    emit(as_json, data, text)


@click.group()
def policy() -> None:
    """Examine the procedure's policies against the recorded history."""


@policy.command("what-if")
@click.option(
    "--follow-up-within",
    "within",
    required=True,
    metavar="DURATION",
    help="The follow-up window to judge history by (ISO 8601, e.g. P5D, PT36H).",
)
@output_options
@acting
@pass_env
def what_if(env: Env, within: str, as_json: bool) -> None:
    """Which recorded visits would have missed their follow-up under another window.

    Replays every visit, follow-up and loss recorded, judges each visit's follow-up
    against --follow-up-within, and shows who led it and how late it was, beside
    whether it was late under the window actually in force. Writes nothing.

    \b
    Example:
      kaflow policy what-if --follow-up-within P5D
      kaflow policy what-if --follow-up-within PT72H --json
    """
    data = env.queries.what_if(env.actor(), within)

    def text() -> str:
        head = (
            f"Under {within}, {data['breaches']} of {data['visits']} visits would have missed "
            f"their follow-up (under the windows in force: {data['breaches_as_recorded']})."
        )
        rows = [
            (
                short(r["account"]["id"]),
                r["account"]["name"],
                f"{r['visit']} ({_local(env, r['visit_at'])})",
                r["lead"],
                _local(env, r["due_at"]),
                f"{r['settled_by'] or 'nothing yet'}"
                + (f" {_local(env, r['settled_at'])}" if r["settled_at"] else ""),
                span(r["late_by_seconds"]),
                "yes" if r["breached_as_recorded"] else "no",
            )
            for r in data["rows"]
        ]
        headers = ["ACCOUNT", "NAME", "VISIT", "LEAD", "DUE", "SETTLED BY", "LATE BY", "WAS LATE"]
        return head + ("\n\n" + table(headers, rows) if rows else "")

    emit(as_json, data, text)


def _local(env: Env, text: str) -> str:
    return env.local(datetime.fromisoformat(text))


COMMANDS = [scheduler, deadlines, policy]
