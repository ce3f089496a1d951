"""An account itself: prospect assign, edit, archive. Each is an event that keeps what
was before; none is a step of the procedure."""

from __future__ import annotations

from typing import Any

import click

from cli.context import Env, pass_env
from cli.language import say
from cli.params import acting, choice, text_option
from cli.render import emit, output_options
from kaflow.application import commands as c
from kaflow.application.account_commands import ArchiveAccount, AssignAccount, EditAccount
from kaflow.application.words import SAID


def _run(env: Env, command: type[c.ProspectCommand], account_id: str, fields: Any) -> Any:
    actor = env.actor()
    cmd = command.validate({**fields, "prospect_id": env.account(account_id)})
    env.app.handle(actor, cmd)
    return env.queries.account(actor, cmd.prospect_id)


@click.command("assign")
@click.argument("account_id", metavar="ID")
@click.option(
    "--to", "to", required=True, metavar="USER", help="The new owner: a user with a role."
)
@text_option("--reason", required=True, help="Why the account changes hands.")
@output_options
@acting
@pass_env
def assign(env: Env, account_id: str, to: str, reason: str, as_json: bool) -> None:
    """Make another salesperson responsible for the account (manager or above).

    \b
    Example:
      kaflow prospect assign 3f2a1b --to sam --reason "Sam covers East China now"
    """
    data = _run(env, AssignAccount, account_id, {"to": to, "reason": reason})
    emit(as_json, data, lambda: say(SAID["assigned"], name=data["name"], owner=data["owner"]))


@click.command("edit")
@click.argument("account_id", metavar="ID")
@text_option("--name", help="The account's name.")
@click.option("--category", type=choice(c.Category), help="Existing or potential customer (R1).")
@text_option("--nature", help="The customer's nature (R1: never empty).")
@text_option("--product-line", help="Our product line for this account (R1).")
@text_option("--service", help="The services the customer needs (R1).")
@text_option("--reason", required=True, help="Why the record changes.")
@output_options
@acting
@pass_env
def edit(env: Env, /, account_id: str, reason: str, as_json: bool, **fields: Any) -> None:
    """Correct the account's name or classification (R1); the old values are kept.

    At least one field given must change. The development record shows the new values
    and counts the edit as a change.

    \b
    Example:
      kaflow prospect edit 3f2a1b --nature "regional distributor" --reason "Misfiled"
    """
    given = {k: v for k, v in fields.items() if v is not None}
    if not given:
        raise click.UsageError(
            "give at least one of --name, --category, --nature, --product-line, --service"
        )
    data = _run(env, EditAccount, account_id, {**given, "reason": reason})
    emit(as_json, data, lambda: say(SAID["edited"], name=data["name"]))


@click.command("archive")
@click.argument("account_id", metavar="ID")
@text_option("--reason", required=True, help="Why: a duplicate, a test account, ...")
@click.option("--duplicate-of", metavar="ID", help="The account this one duplicates.")
@output_options
@acting
@pass_env
def archive(
    env: Env, account_id: str, reason: str, duplicate_of: str | None, as_json: bool
) -> None:
    """Archive a duplicate or test account (manager or above).

    It takes no further steps and is left out of 'prospect list' and of every report
    unless --include-archived; its history stays whole.

    \b
    Example:
      kaflow prospect archive 3f2a1b --reason "Entered twice" --duplicate-of 9c8d7e
    """
    fields: dict[str, Any] = {"reason": reason}
    if duplicate_of is not None:
        fields["duplicate_of"] = env.account(duplicate_of)
    data = _run(env, ArchiveAccount, account_id, fields)
    emit(as_json, data, lambda: say(SAID["archived"], name=data["name"]))


SUBCOMMANDS = [assign, edit, archive]  # of the prospect group
