"""Personal data: what an account holds (a subject's access request), and its erasure."""

from __future__ import annotations

import sys
from typing import Any

import click

from cli.context import Env, pass_env
from cli.params import acting, text_option
from cli.render import emit, output_options, table


@click.group()
def privacy() -> None:
    """Personal data held on accounts: show it, erase it.

    Decision makers' personal details (personality, pressures, interests) and the
    customer data gathered for visits are stored sealed under a key of the account's
    own (docs/privacy.md); erasing destroys that key.
    """


def _which(env: Env, account_id: str | None, person: str | None) -> Any:
    if (account_id is None) == (person is None):
        raise click.UsageError("give an account's ID, or --person NAME (not both)")
    return None if account_id is None else env.account(account_id)


@privacy.command("show")
@click.argument("account_id", metavar="[ID]", required=False)
@click.option("--person", metavar="NAME", help="A person's data in every account instead.")
@output_options
@acting
@pass_env
def show(env: Env, account_id: str | None, person: str | None, as_json: bool) -> None:
    """Show the personal data held: an account's, or a person's in every account (a
    subject's access request). Each field, when it was recorded and by whom, and what it
    says ([erased] once erased).

    \b
    Example:
      kaflow privacy show 3f2a1b --as olga
      kaflow privacy show --person "Wang Li" --as olga
    """
    data = env.queries.personal_data(env.actor(), _which(env, account_id, person), person)

    def text() -> str:
        if person is not None:
            where = ", ".join(a["name"] for a in data["accounts"]) or "no account"
            lines = [f"{person}: held in {where}"]
        else:
            lines = [f"{data['account']['name']} ({data['account']['id']})"]
        for erasure in data["erased"]:
            lines.append(
                f"Erased {env.local(erasure['at'])} by {erasure['by']}: {erasure['reason']}"
            )
        if not data["fields"]:
            lines.append("No personal data held.")
            return "\n".join(lines)
        rows = [
            (
                f["account"][:8],
                f["sequence"],
                f["type"],
                env.local(f["occurred_at"]) if f["occurred_at"] else "",
                f["actor"] or "",
                f["field"],
                _short(f["value"]),
            )
            for f in data["fields"]
        ]
        lines.append(table(["ACCOUNT", "#", "EVENT", "WHEN", "BY", "FIELD", "VALUE"], rows))
        return "\n".join(lines)

    emit(as_json, data, text)


def _short(value: str, width: int = 60) -> str:
    value = " ".join(value.split())
    return value if len(value) <= width else value[: width - 1] + "…"


@privacy.command("erase")
@click.argument("account_id", metavar="[ID]", required=False)
@click.option("--person", metavar="NAME", help="A person's data in every account instead.")
@text_option("--reason", required=True, help="Why: the request to be forgotten, its date ...")
@click.option("--yes", is_flag=True, help="Erase without asking (scripts).")
@output_options
@acting
@pass_env
def erase(
    env: Env, account_id: str | None, person: str | None, reason: str, yes: bool, as_json: bool
) -> None:
    """Erase personal data for good (owner only): an account's, or a person's (a
    decision maker's details) in every account that holds them.

    Destroys the data keys: from then on every field they sealed reads [erased]
    everywhere (history, record, reports, exports). Each account's erasure is recorded
    (who, when, why; a person by pseudonym, never by name), the rest of the history
    stays, and 'audit verify' still passes. There is no undo.

    \b
    Example:
      kaflow privacy erase 3f2a1b --reason "Request of 2026-11-30 by Mr Wang" --as olga
      kaflow privacy erase --person "Wang Li" --reason "Request of 2026-11-30" --as olga
    """
    actor = env.actor()
    prospect_id = _which(env, account_id, person)
    if not yes:
        held = env.queries.personal_data(actor, prospect_id, person)
        whose = person if person is not None else held["account"]["name"]
        prompt = (
            f"Erase the personal data of {whose} ({len(held['fields'])} field(s))? "
            "This cannot be undone"
        )
        if not sys.stdin.isatty():
            raise click.UsageError(f"{prompt}: confirm with --yes")
        click.confirm(prompt, abort=True, err=True)
    done = env.app.erase_personal_data(actor, prospect_id, reason, person)
    data: dict[str, Any] = {"erased": True, **done}
    whose = f"of {person}" if person is not None else f"of {prospect_id}"
    count = len(done["accounts"])
    emit(as_json, data, lambda: f"Personal data {whose} erased ({count} account(s)).")


COMMANDS = [privacy]
