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


@privacy.command("show")
@click.argument("account_id", metavar="ID")
@output_options
@acting
@pass_env
def show(env: Env, account_id: str, as_json: bool) -> None:
    """Show the personal data an account holds: each field, when it was recorded and by
    whom, and what it says ([erased] once erased).

    \b
    Example:
      kaflow privacy show 3f2a1b --as olga
    """
    data = env.queries.personal_data(env.actor(), env.account(account_id))

    def text() -> str:
        head = f"{data['account']['name']} ({data['account']['id']})"
        lines = [head]
        for erasure in data["erased"]:
            lines.append(
                f"Erased {env.local(erasure['at'])} by {erasure['by']}: {erasure['reason']}"
            )
        if not data["fields"]:
            lines.append("No personal data held.")
            return "\n".join(lines)
        rows = [
            (
                f["sequence"],
                f["type"],
                env.local(f["occurred_at"]) if f["occurred_at"] else "",
                f["actor"] or "",
                f["field"],
                _short(f["value"]),
            )
            for f in data["fields"]
        ]
        lines.append(table(["#", "EVENT", "WHEN", "BY", "FIELD", "VALUE"], rows))
        return "\n".join(lines)

    emit(as_json, data, text)


def _short(value: str, width: int = 60) -> str:
    value = " ".join(value.split())
    return value if len(value) <= width else value[: width - 1] + "…"


@privacy.command("erase")
@click.argument("account_id", metavar="ID")
@text_option("--reason", required=True, help="Why: the request to be forgotten, its date ...")
@click.option("--yes", is_flag=True, help="Erase without asking (scripts).")
@output_options
@acting
@pass_env
def erase(env: Env, account_id: str, reason: str, yes: bool, as_json: bool) -> None:
    """Erase an account's personal data for good (owner only).

    Destroys the account's data keys: from then on every personal field it holds reads
    [erased] everywhere (history, record, reports, exports). The erasure is recorded
    (who, when, why), the rest of the history stays, and 'audit verify' still passes.
    There is no undo.

    \b
    Example:
      kaflow privacy erase 3f2a1b --reason "Request of 2026-11-30 by Mr Wang" --as olga
    """
    actor = env.actor()
    prospect_id = env.account(account_id)
    if not yes:
        held = env.queries.personal_data(actor, prospect_id)
        name = held["account"]["name"]
        prompt = (
            f"Erase the personal data of {name} ({len(held['fields'])} field(s))? "
            "This cannot be undone"
        )
        if not sys.stdin.isatty():
            raise click.UsageError(f"{prompt}: confirm with --yes")
        click.confirm(prompt, abort=True, err=True)
    had = env.app.erase_personal_data(actor, prospect_id, reason)
    data: dict[str, Any] = {"account": str(prospect_id), "erased": True, "keys_destroyed": had}
    emit(as_json, data, lambda: f"Personal data of {prospect_id} erased.")


COMMANDS = [privacy]
