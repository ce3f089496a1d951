"""The ``kaflow`` command group: global options, error mapping, sub-commands."""

from __future__ import annotations

from typing import Any

import click

from cli import demo, prospects, steps, users
from cli.context import Env
from cli.errors import as_refusal
from kaflow import __version__


class KaflowGroup(click.Group):
    """Turns every known error into one line and its exit code; never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.ClickException:
            raise
        except Exception as error:
            refusal = as_refusal(error)
            if refusal is None:
                raise
            raise refusal from None


@click.group(cls=KaflowGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--as",
    "actor",
    envvar="KAFLOW_USER",
    metavar="USER",
    help="The user acting (default: $KAFLOW_USER).",
)
@click.version_option(__version__, prog_name="kaflow")
@click.pass_context
def cli(ctx: click.Context, actor: str | None) -> None:
    """kaflow: develop key accounts by the procedure, every step recorded.

    Accounts move identified -> analysed -> contacted -> visited -> followed_up ->
    won | lost. Each command checks the procedure's rules (R1-R14) and refuses,
    naming the rule, when one is broken. Exit codes: 0 done, 1 refused by a rule,
    2 bad input, 3 not found, 4 conflict with a concurrent writer (retry).

    \b
    Example:
      kaflow init --owner olga
      kaflow --as olga user add mia --role manager
      export KAFLOW_USER=mia
      kaflow prospect add "Huadong Supplies" --category potential --nature distributor
    """
    env = ctx.ensure_object(Env)
    if actor:
        env.actor = actor


for module in (users, prospects, steps, demo):
    for command in module.COMMANDS:
        cli.add_command(command)


def main() -> None:
    cli(prog_name="kaflow")
