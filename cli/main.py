"""The ``kaflow`` command group: global options, error mapping, sub-commands."""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

import click

from cli.context import Env
from kaflow import __version__

# Command name -> module that defines it: a command imports only what it needs, so that
# a short command starts fast.
COMMANDS = {
    "init": "cli.init",
    "user": "cli.users",
    "prospect": "cli.prospects",
    "template": "cli.template",
    "analyse": "cli.analysis",
    "import": "cli.importing",
    "history": "cli.history",
    "approach": "cli.steps",
    "contact": "cli.steps",
    "conference": "cli.steps",
    "prepare": "cli.steps",
    "visit": "cli.steps",
    "follow-up": "cli.steps",
    "win": "cli.steps",
    "lose": "cli.steps",
    "reopen": "cli.steps",
    "deadlines": "cli.deadlines",
    "scheduler": "cli.deadlines",
    "policy": "cli.deadlines",
    "ledger": "cli.reports",
    "review": "cli.record",
    "correct": "cli.record",
    "report": "cli.reports",
    "projections": "cli.projections",
    "store": "cli.store",
    "privacy": "cli.privacy",
    "audit": "cli.audit",
    "demo": "cli.demo",
    "notify": "cli.notify",
    "serve": "cli.serve",
    "token": "cli.tokens",
}


class KaflowGroup(click.Group):
    """Loads commands lazily; turns every known error into one line and its exit code."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = COMMANDS.get(cmd_name)
        if module is None:
            return None
        commands: list[click.Command] = importlib.import_module(module).COMMANDS
        return next(c for c in commands if c.name == cmd_name)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except click.exceptions.NoSuchCommand as error:
            # click suggests from the commands it holds, and these load only when named.
            raise click.exceptions.NoSuchCommand(
                error.command_name, possibilities=COMMANDS, ctx=ctx
            ) from None

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # kaflow's own options (--as ...): a usage error shown escaped, as JSON if asked.
        try:
            return super().parse_args(ctx, args)
        except click.ClickException as error:
            from cli.errors import UsageRefusal

            raise UsageRefusal(error, "--json" in args) from None

    def invoke(self, ctx: click.Context) -> Any:
        # Known before parsing, so that even a usage error answers --json with JSON.
        wants_json = "--json" in [*ctx._protected_args, *ctx.args]
        ctx.call_on_close(lambda: _close(ctx))
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            env = ctx.find_object(Env)
            if env is not None and env.wrote():
                # The step was committed before Ctrl-C: done, whatever was left to print.
                _interrupted("interrupted after the step was recorded", 0, wants_json)
                raise click.exceptions.Exit(0) from None
            # What was under way was taken back.
            _interrupted("interrupted", 130, wants_json)
            raise click.exceptions.Exit(130) from None
        except click.ClickException as error:
            from cli.errors import Refusal, UsageRefusal

            if isinstance(error, Refusal | UsageRefusal):  # shown as kaflow shows them
                error.as_json = error.as_json or wants_json
                raise
            raise UsageRefusal(error, wants_json) from None
        except Exception as error:
            from cli.errors import as_refusal

            refusal = as_refusal(error)
            if refusal is None:
                raise
            refusal.as_json = wants_json
            raise refusal from None


def _interrupted(message: str, exit_code: int, as_json: bool) -> None:
    click.echo(message, err=True)
    if as_json:
        from cli.errors import print_json_error

        print_json_error(message, exit_code, "interrupted")


def _close(ctx: click.Context) -> None:
    env = ctx.find_object(Env)
    if env is not None:
        env.close()


@click.group(cls=KaflowGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--as",
    "actor",
    envvar="KAFLOW_USER",
    metavar="USER",
    help="The user acting (default: $KAFLOW_USER); also accepted after the command.",
)
@click.version_option(__version__, prog_name="kaflow")
@click.pass_context
def cli(ctx: click.Context, actor: str | None) -> None:
    """kaflow: develop key accounts by the procedure, every step recorded.

    Accounts move identified -> analysed -> contacted -> visited -> followed_up ->
    won | lost. Each command checks the procedure's rules (R1-R14) and refuses,
    naming the rule, when one is broken. Exit codes: 0 done, 1 refused by a rule,
    2 bad input, 3 not found, 4 conflict with a concurrent writer (retry), 130
    interrupted (Ctrl-C).

    \b
    Example:
      kaflow init --owner olga
      kaflow --as olga user add mia --role manager
      export KAFLOW_USER=mia
      kaflow prospect add "Huadong Supplies" --category potential --nature distributor
    """
    from click.core import ParameterSource

    env = ctx.ensure_object(Env)
    if actor:
        env.actor_name = actor
        if ctx.get_parameter_source("actor") is ParameterSource.COMMANDLINE:
            env.actor_given = actor  # a different --as after the command is refused


def main() -> None:
    # kaflow uses no pydantic plugins; looking for them scans every installed package's
    # metadata at the first validation, which is most of a short command's start-up.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    try:
        cli(prog_name="kaflow")
    except KeyboardInterrupt:  # before a command began (while it loaded)
        if "--json" in sys.argv[1:]:
            print('{"error": "interrupted", "exit_code": 130, "kind": "interrupted", '
                  '"field": null}')  # fmt: skip
        raise SystemExit(130) from None
