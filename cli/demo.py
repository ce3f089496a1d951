"""``kaflow demo``: watch three accounts go through the procedure."""

from __future__ import annotations

import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from cli.render import emit, output_options, table
from kaflow.bootstrap import CONFIG_NAME


@click.command()
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to create the demo workspace (default: a new temporary folder).",
)
@output_options
def demo(folder: Path | None, as_json: bool) -> None:
    """Develop three accounts by the procedure, on the embedded SQLite store.

    One is won; one is lost with a failure analysis; at one a salesperson's visit
    is refused under R6 and then led by a manager. The workspace is kept so you
    can look around afterwards.

    \b
    Example:
      kaflow demo
      kaflow demo --dir ./demo && cd demo && kaflow --as olga prospect list
    """
    from cli.demo_script import run_demo

    folder = _empty_folder(folder)
    steps = []
    for step in run_demo(folder):
        steps.append(step)
        if not as_json:
            mark = "ok     " if step.ok else "REFUSED"
            click.echo(
                f"{mark} {step.account:<27} {step.actor:<4} {step.what}"
                f"{' - ' + step.detail if step.detail else ''}"
            )
    accounts = _accounts(folder)
    data = {"workspace": str(folder), "steps": [asdict(s) for s in steps], "accounts": accounts}
    emit(as_json, data, lambda: _summary(folder, accounts))


def _empty_folder(folder: Path | None) -> Path:
    if folder is None:
        folder = Path(tempfile.mkdtemp(prefix="kaflow-demo-"))
    folder = folder.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    if (folder / CONFIG_NAME).exists():
        raise click.UsageError(f"{folder} is a workspace already; choose an empty folder")
    return folder


def _accounts(folder: Path) -> list[dict[str, Any]]:
    from kaflow.application.actor import Actor
    from kaflow.bootstrap import Services, load_settings

    services = Services(load_settings(str(folder), own_store=True))  # the demo's own store
    try:
        return services.queries.accounts(Actor("olga"))
    finally:
        services.close()


def _summary(folder: Path, accounts: list[dict[str, Any]]) -> str:
    rows = [
        (a["name"], a["state"], a["development_value"], a["contacts"], a["visits"])
        for a in accounts
    ]
    return (
        "\n"
        + table(["ACCOUNT", "STATE", "VALUE", "CONTACTS", "VISITS"], rows)
        + f"\n\nWorkspace: {folder}\nLook around: cd {folder} && kaflow --as olga prospect list"
    )


COMMANDS = [demo]
