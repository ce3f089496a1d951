"""``kaflow init``: a new workspace and its store with the first user, or one that joins a
store holding a workspace."""

from __future__ import annotations

import os

import click

from cli.context import Env, pass_env
from cli.render import emit, output_options
from kaflow.bootstrap import DEFAULT_STORE


@click.command()
@click.option("--owner", metavar="NAME", help="The first user, a process owner.")
@click.option(
    "--store",
    envvar="KAFLOW_STORE",
    default=DEFAULT_STORE,
    show_default=True,
    metavar="URL",
    help="Where events are kept: sqlite:///PATH (relative to this folder) or "
    "postgresql://USER@HOST:PORT/DBNAME (password from the URL, PGPASSWORD or ~/.pgpass).",
)
@click.option(
    "--join",
    is_flag=True,
    help="Work here with a store that holds a workspace already (a team's PostgreSQL "
    "store): only kaflow.toml is written.",
)
@click.option(
    "--timezone", default="UTC", show_default=True, help="Zone for times given without one."
)
@click.option(
    "--since",
    metavar="WHEN",
    help="When the owner's role began (default: now): earlier, so that the work they "
    "chaired, led or reviewed before the workspace existed can be recorded.",
)
@output_options
@pass_env
def init(
    env: Env,
    owner: str | None,
    store: str,
    join: bool,
    timezone: str,
    since: str | None,
    as_json: bool,
) -> None:
    """Create a workspace in the current folder: kaflow.toml, the store, the owner.

    On PostgreSQL this creates kaflow's tables in the database (which must exist).
    Colleagues on other machines then join the same store with --join.

    \b
    Example:
      kaflow init --owner olga --timezone Asia/Shanghai
      kaflow init --owner olga --since 2025-01-01
      kaflow init --owner olga --store postgresql://kaflow@db.example:5432/sales
      kaflow init --join --store postgresql://kaflow@db.example:5432/sales
    """
    from kaflow.application.privacy import master_key_file
    from kaflow.bootstrap import init_workspace, owner_name, safe_url

    if join and owner is not None:
        raise click.UsageError("--join uses the store's users: give no --owner")
    if not join and owner is None:
        raise click.UsageError("give --owner NAME (the first user), or --join")
    if join and since is not None:
        raise click.UsageError("--since dates the new owner's role: --join adds no owner")
    name = None if owner is None else owner_name(owner)
    folder = env.cwd or os.getcwd()
    settings = init_workspace(folder, name, store, timezone, clock=env.clock, since=since)
    shown = safe_url(store)
    data = {"workspace": str(settings.root), "store": shown, "owner": name, "timezone": timezone}
    if since is not None:
        data["since"] = since
    key = master_key_file(str(settings.root))
    data["master_key"] = key
    if join:
        where = key or "kaflow.key"
        emit(
            as_json,
            data,
            lambda: (
                f"Workspace in {settings.root} joined {shown}.\n"
                + (
                    f"Personal data is read with the team's master key: copy {where} from the "
                    "workspace that made the store, or set KAFLOW_MASTER_KEY."
                    if key is None
                    else f"Personal data is sealed under the master key in {key}."
                )
            ),
        )
    else:
        role = f" (since {since})" if since else ""
        kept = key or "KAFLOW_MASTER_KEY"
        emit(
            as_json,
            data,
            lambda: (
                f"Workspace created in {settings.root}; owner: {name}{role}.\n"
                f"Personal data is sealed under the master key in {kept}: back it up apart "
                "from the store (without it that data cannot be read; see docs/privacy.md)."
            ),
        )


COMMANDS = [init]
