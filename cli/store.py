"""The event store: ``kaflow store check`` checks it is whole; ``kaflow store copy`` moves
it to another store, whole."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn

import click

from cli.context import Env, pass_env
from cli.render import emit, output_options

if TYPE_CHECKING:
    pass

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


def _fail(
    report: dict[str, Any], message: str, as_json: bool, text: Callable[[dict[str, Any]], str]
) -> NoReturn:
    """The report, saying what failed (exit 1): the store or the copy is not as it should be."""
    report.update(error=message, exit_code=REFUSED)
    emit(as_json, report, lambda: text(report))
    click.echo(message, err=True)
    raise click.exceptions.Exit(REFUSED)


def _copy() -> None:
    from cli.store_copy import copy

    store.add_command(copy)


_copy()


COMMANDS = [store]
