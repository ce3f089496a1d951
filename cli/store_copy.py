"""``kaflow store copy``: the store, whole, to another one (SQLite or PostgreSQL), its
chain, keys and sign-ins with it, compared on both sides before it is used."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any, NoReturn

import click

from cli.context import Env, pass_env
from cli.progress import Bars
from cli.render import emit, output_options
from cli.store import _fail
from kaflow.errors import WorkspaceError

if TYPE_CHECKING:
    from kaflow.bootstrap import Settings


@click.command("copy")
@click.option(
    "--to",
    "to_url",
    required=True,
    metavar="URL",
    help="The empty store to copy to: sqlite:///PATH (relative to the workspace folder) or "
    "postgresql://USER@HOST:PORT/DBNAME (password from the URL, PGPASSWORD or ~/.pgpass).",
)
@click.option(
    "--switch",
    is_flag=True,
    help="Once the copy is verified, set store in kaflow.toml to it.",
)
@click.option(
    "--master-key",
    metavar="FILE",
    help="Wrap the copy's data keys with the master key in FILE (made if missing) instead "
    "of the workspace's: for a copy that goes where another master key is kept.",
)
@output_options
@pass_env
def copy(env: Env, to_url: str, switch: bool, master_key: str | None, as_json: bool) -> None:
    """Copy the workspace's event store to another store, whole, and verify the copy:
    how a team moves from the SQLite file to a PostgreSQL server (or back).

    Every event is copied as recorded: the same account ids, times, order and positions
    in the log; so are the snapshots and how far notices were delivered (the scheduler
    delivers none twice). The views are not copied: the new store builds them at its
    first use. The target must hold no events; for PostgreSQL, create the database first
    (createdb); kaflow creates its tables.

    Then both stores are read again and compared: the number of events, the last
    position, and a checksum of each account's events. A copy that differs is reported,
    with the accounts that differ, and must not be used (exit 1).

    A copy is a move: stop every writer first (the scheduler, cron jobs, colleagues).
    During the copy the workspace's store is locked: writes wait, then fail (exit 4).
    kaflow.toml is left as it is unless --switch is given; the old store is left as it
    was: keep it as a backup and write no more to it.

    \b
    Exit codes: 0 copied and verified; 1 the copy differs from the source; 2 a bad URL,
    or a target that holds events; 4 a writer holds the store (stop it, retry).

    \b
    Example:
      kaflow store copy --to postgresql://kaflow@db.example:5432/sales
      kaflow store copy --to postgresql://kaflow@db.example:5432/sales --switch
      kaflow store copy --to sqlite:///backup/kaflow.db --json
    """
    from kaflow.bootstrap import holds_secret, safe_url

    settings = env.settings
    if master_key is not None and switch:
        raise click.UsageError(
            "--master-key makes a copy for another workspace's key: give it without --switch"
        )
    report = _copy_showing_progress(settings, to_url, master_key)
    shown = safe_url(to_url)
    if not report["verified"]:
        _refuse_unverified(report, shown, as_json)
    report["switched"] = _switch(settings.root, to_url, shown) if switch else None
    report["next"] = _next(report, shown, secret=holds_secret(to_url))
    emit(as_json, report, lambda: _text(report))


def _copy_showing_progress(
    settings: Settings, to_url: str, master_key: str | None = None
) -> dict[str, Any]:
    """The copy, with progress bars on a terminal."""
    from kaflow.bootstrap import copy_store

    bars = Bars() if sys.stderr.isatty() else None
    try:
        return copy_store(
            settings.store,
            to_url,
            settings.root,
            lock_timeout=settings.lock_timeout,
            progress=bars,
            master_key=master_key,
        )
    finally:
        if bars is not None:
            bars.close()


def _refuse_unverified(report: dict[str, Any], shown: str, as_json: bool) -> NoReturn:
    message = (
        f"the copy at {shown} differs from the source ({'; '.join(report['differences'])})"
        f"; do not use it: empty it and copy again"
    )
    _fail(report, message, as_json, _text)


def _switch(root: str, to_url: str, shown: str) -> str:
    """kaflow.toml set to the verified copy; what ``switch_store`` says it did."""
    from kaflow.bootstrap import switch_store

    try:
        switched = switch_store(root, to_url)
    except (OSError, WorkspaceError) as e:
        raise WorkspaceError(
            f"the copy at {shown} is verified, but kaflow.toml was not changed ({e}): "
            f'set store = "{shown}" in it by hand'
        ) from None
    if os.environ.get("KAFLOW_STORE"):
        click.echo("warning: KAFLOW_STORE is set and overrides kaflow.toml", err=True)
    return switched


def _text(report: dict[str, Any]) -> str:
    lines = [
        f"Copied {report['from']} to {report['to']}: {report['accounts']} account(s), "
        f"{report['events']} events (last position {report['last_position']}), "
        f"{report['snapshots']} snapshot(s), {report['delivered']} delivery position(s).",
    ]
    if report["verified"]:
        lines.append("Verified: the same on both sides (each account's events, by checksum).")
    else:
        lines.append("NOT verified:")
        lines += [f"  {problem}" for problem in report["differences"]]
        lines += [f"  differs: {account}" for account in report["differing_accounts"]]
    if report.get("rewrapped") is not None:
        lines.append(
            f"{report['rewrapped']} data key(s) wrapped by the master key given: the copy's "
            "personal data is read with that key, not this workspace's."
        )
    if report.get("next"):
        lines.append(report["next"])
    return "\n".join(lines)


def _next(report: dict[str, Any], shown: str, secret: bool) -> str:
    if report["switched"]:
        first = f"kaflow.toml now uses {shown}."
    else:
        first = f'To use it: set store = "{shown}" in kaflow.toml (or KAFLOW_STORE).'
        if secret:
            first += " Put the password in place of *** (or leave it out: PGPASSWORD, ~/.pgpass)."
    return (
        f"{first} The views are built there at first use. Keep {report['from']} as a "
        "backup; write no more to it."
    )
