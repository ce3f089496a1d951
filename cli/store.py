"""The event store: ``kaflow store check`` checks it is whole; ``kaflow store copy`` moves
it to another store, whole."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn

import click

from cli.context import Env, pass_env
from cli.render import emit, output_options
from kaflow.errors import WorkspaceError

if TYPE_CHECKING:
    from kaflow.bootstrap import Settings

REFUSED = 1  # the copy differs from the source, or the store is damaged: do not use it


@click.group("store")
def store() -> None:
    """The event store: check it, back it up, or copy it to another store (SQLite or
    PostgreSQL)."""


@store.command("check")
@output_options
@pass_env
def check(env: Env, as_json: bool) -> None:
    """Check that the workspace's store is whole, reading only (a read-only store too).

    On SQLite, the engine's own check of the file (PRAGMA integrity_check). On both
    stores, the log's own: every account's events numbered 1, 2, 3 ... without a gap or
    a repeat, and every event readable by this version of kaflow.

    \b
    Exit codes: 0 the store is intact; 1 it is not (the first problems are named:
    restore the store from a backup, or copy a good one with 'kaflow store copy').

    \b
    Example:
      kaflow store check
      kaflow store check --json
    """
    from kaflow.bootstrap import check_store

    report = check_store(env.settings)
    if not report["intact"]:
        message = (
            f"the store {report['store']} is damaged: {report['problem_count']} problem(s), "
            f"first: {report['problems'][0]}"
        )
        _fail(report, message, as_json, _checked)
    emit(as_json, report, lambda: _checked(report))


@store.command("backup")
@click.argument("file", metavar="FILE")
@output_options
@pass_env
def backup(env: Env, file: str, as_json: bool) -> None:
    """Back the workspace's SQLite store up to FILE, consistently, while it is in use.

    SQLite's online backup copies the store as one snapshot (a plain cp under a writer
    can copy a file caught between two writes); the copy is then checked as 'store
    check' and 'audit verify' check it: its file, its log and its hash chain. Keep the
    master key (kaflow.key) apart from the backup: the personal data in it is sealed.
    A PostgreSQL store is backed up with pg_dump (docs/storage.md).

    \b
    Exit codes: 0 written and verified; 1 written but it does not verify (do not keep
    it); 2 FILE exists, or the store is not SQLite.

    \b
    Example:
      kaflow store backup backups/kaflow-2026-12-03.db
    """
    from kaflow.bootstrap import backup_store

    report = backup_store(env.settings, file)
    if not report["verified"]:
        problems = report["problems"] + (
            [report["chain_problem"]] if report["chain_problem"] else []
        )
        _fail(report, f"the backup at {file} does not verify: {problems[0]}", as_json, _backed_up)
    emit(as_json, report, lambda: _backed_up(report))


@store.command("protect")
@click.option(
    "--runtime-role",
    metavar="ROLE",
    required=True,
    help="The database role kaflow runs as from now on (it exists: CREATE ROLE ... LOGIN).",
)
@output_options
@pass_env
def protect(env: Env, runtime_role: str, as_json: bool) -> None:
    """Let ROLE run kaflow on a PostgreSQL store without any right to rewrite the log.

    Run it as the store's owner (the role that ran 'kaflow init', or a superuser). ROLE
    may then read the log and append to it (SELECT and INSERT), never UPDATE, DELETE or
    TRUNCATE it; appends are kept in order by a lock on a table of their own, and
    triggers refuse a rewrite of the log, its hash chain and its checkpoints whoever
    asks. The views become ROLE's own (it keeps and rebuilds them). Then point the
    workspace at the store as ROLE; keep the owner's login for migrations and
    'store copy' (docs/storage.md).

    \b
    Example:
      kaflow store protect --runtime-role kaflow_app
    """
    from kaflow.bootstrap import protect_store

    data = protect_store(env.settings, runtime_role)
    emit(
        as_json,
        data,
        lambda: (
            f"{runtime_role} may now append to the log and read it, never rewrite it "
            f"(append-only: {', '.join(data['append_only'])}). Run kaflow as {runtime_role}: "
            f"set the store's URL to log in as {runtime_role} (kaflow.toml or KAFLOW_STORE)."
        ),
    )


def _backed_up(report: dict[str, Any]) -> str:
    lines = [
        f"Backed up to {report['backup']} ({report['bytes']:,} bytes): {report['events']} "
        f"events, {report['accounts']} account(s), last position {report['position']}.",
    ]
    if report["verified"]:
        lines.append("Verified: the file, the log and its hash chain are whole.")
    return "\n".join(lines)


def _checked(report: dict[str, Any]) -> str:
    integrity = f", file {report['integrity']}" if report["integrity"] else ""
    head = (
        f"{report['store']}: {report['events']} events of {report['accounts']} account(s) "
        f"and the user directory (last position {report['last_position']}){integrity}."
    )
    if report["intact"]:
        return f"{head}\nIntact: every account's versions in sequence, every event readable."
    lines = [head, f"NOT intact: {report['problem_count']} problem(s):"]
    lines += [f"  {problem}" for problem in report["problems"]]
    if report["problem_count"] > len(report["problems"]):
        lines.append(f"  ... and {report['problem_count'] - len(report['problems'])} more")
    return "\n".join(lines)


@store.command("copy")
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


def _fail(
    report: dict[str, Any], message: str, as_json: bool, text: Callable[[dict[str, Any]], str]
) -> NoReturn:
    """The report, saying what failed (exit 1): the store or the copy is not as it should be."""
    report.update(error=message, exit_code=REFUSED)
    emit(as_json, report, lambda: text(report))
    click.echo(message, err=True)
    raise click.exceptions.Exit(REFUSED)


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


class Bars:
    """Progress on stderr, one bar per stage (for a terminal only)."""

    def __init__(self) -> None:
        self.bar: Any = None
        self.stage, self.done = "", 0

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self.stage:
            self.close()
            self.bar = click.progressbar(length=max(total, 1), label=stage, file=sys.stderr)
            self.bar.__enter__()
            self.stage, self.done = stage, 0
        self.bar.update(done - self.done)
        self.done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


COMMANDS = [store]
