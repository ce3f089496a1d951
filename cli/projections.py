"""``kaflow projections``: the views behind every read: where they stand, rebuilding
them, and a worker that keeps them current."""

from __future__ import annotations

import sys
import threading
from typing import Any

import click

from cli.context import Env, pass_env, stop_on_signals
from cli.params import acting
from cli.render import emit, output_options, table
from kaflow.errors import BadInputError


@click.group("projections")
def projections() -> None:
    """The views behind every read: where they stand, rebuilding them, and a worker
    that keeps them current (``run``)."""


@projections.command("status")
@output_options
@acting
@pass_env
def projections_status(env: Env, as_json: bool) -> None:
    """Each view's position in the log against the log's head, as they stand: every other
    read catches the views up first; this one only looks.

    \b
    Example:
      kaflow projections status --json
    """
    rows = env.services.projections.status(env.actor())
    emit(
        as_json,
        rows,
        lambda: table(
            ["VIEW", "TABLES", "POSITION", "HEAD", "BEHIND"],
            [
                (r["view"], ", ".join(r["tables"]), r["position"], r["head"], r["behind"])
                for r in rows
            ],
        ),
    )


@projections.command("rebuild")
@click.argument("names", nargs=-1, metavar="[NAME]...")
@output_options
@acting
@pass_env
def projections_rebuild(env: Env, names: tuple[str, ...], as_json: bool) -> None:
    """Drop views (default: all) and build them again from the whole log.

    \b
    Example:
      kaflow projections rebuild
      kaflow projections rebuild ledger
    """
    actor, projections = env.actor(), env.services.projections
    bar: Any
    with click.progressbar(
        length=max(projections.head(), 1),
        label="rebuilding",
        file=sys.stderr,
        hidden=as_json or not sys.stderr.isatty(),
    ) as bar:
        done = [0]

        def progress(position: int, _: int) -> None:
            bar.update(position - done[0])
            done[0] = position

        data = projections.rebuild(actor, names, progress=progress)
    emit(
        as_json,
        data,
        lambda: f"rebuilt {', '.join(data['rebuilt'])} from {data['head']} events",
    )


@projections.command("run")
@click.option(
    "--poll",
    type=click.FloatRange(min=0.05, max=3600),
    default=1.0,
    show_default=True,
    metavar="SECONDS",
    help="SQLite only (it has no notifications): how often to look for new events.",
)
@pass_env
def projections_run(env: Env, poll: float) -> None:
    """Keep the views current until stopped (SIGINT or SIGTERM).

    On PostgreSQL it follows the log from the database's own notifications: each
    command's events reach the views within moments, so readers on any machine find
    them current. Without a worker every read catches the views up itself, as before;
    several workers, and readers, may run at once without applying anything twice.

    \b
    Example:
      kaflow projections run
      kaflow projections status --as olga   # BEHIND stays near 0 while it runs
    """
    if not 0.05 <= poll <= 3600:  # click's range lets NaN through
        raise BadInputError("--poll: a number of seconds from 0.05 to 3600")
    stop = stop_on_signals()
    worker = env.services.worker(_say, _warn, poll)
    how = (
        "the database's notifications"
        if worker.views.database.kind == "postgresql"
        else (f"a look every {poll:g} s")
    )
    _say(f"projections worker following the log by {how}; stop with Ctrl-C or SIGTERM")
    failure = _run_until(stop, worker)
    from kaflow.errors import ConflictError

    if isinstance(failure, ConflictError):  # a view rebuilt by another version
        click.echo(f"error: {failure}; stopping", err=True)
        raise click.exceptions.Exit(4)
    if failure is not None:
        raise failure
    done = worker.progress
    _say(f"projections worker stopped at position {done.position} ({done.applied} updates)")


def _run_until(stop: threading.Event, worker: Any) -> BaseException | None:
    """Run the worker in a thread until a signal (or its own end) sets ``stop``; what
    ended it, if anything went wrong."""
    failure: list[BaseException] = []

    def work() -> None:
        try:
            worker.run()
        except BaseException as e:  # reported by the main thread
            failure.append(e)
        finally:
            stop.set()

    thread = threading.Thread(target=work, name="kaflow-projections", daemon=True)
    thread.start()
    while not stop.wait(0.2):
        pass
    worker.stop()
    thread.join(30)
    return failure[0] if failure else None


def _say(text: str) -> None:
    click.echo(text)
    sys.stdout.flush()


def _warn(text: str) -> None:
    click.echo(f"warning: {text}", err=True)


COMMANDS = [projections]
