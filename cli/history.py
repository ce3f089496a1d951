"""history: every recorded event of an account."""

from __future__ import annotations

from typing import Any

import click

from cli.context import Env, pass_env
from cli.params import acting, as_of_heading, as_of_options
from cli.prospects import describe
from cli.render import emit, output_options, table


@click.command()
@click.argument("account_id", metavar="ID")
@as_of_options("the account and its events")
@output_options
@acting
@pass_env
def history(
    env: Env, account_id: str, as_of: str | None, recorded_by: str | None, as_json: bool
) -> None:
    """Every recorded event of an account: who, in what role, when it happened, when recorded.

    \b
    Example:
      kaflow history 3f2a1b
      kaflow history 3f2a1b --as-of 2025-11-30
      kaflow history 3f2a1b --recorded-by 2025-11-01 --json
    """
    from datetime import datetime

    data = env.queries.history(env.actor(), env.account(account_id), as_of, recorded_by)

    def text() -> str:
        rows = [
            (
                e["sequence"],
                env.local(datetime.fromisoformat(e["recorded_at"])),
                env.local(datetime.fromisoformat(e["occurred_at"])),
                f"{e['actor'] or '-'}" + (f" ({e['actor_role']})" if e["actor_role"] else ""),
                e["type"],
                _details(e["details"]),
            )
            for e in data["events"]
        ]
        head = as_of_heading(data, env.local) + describe(data["account"], env.settings.currency)
        return (
            head + "\n\n" + table(["SEQ", "RECORDED", "OCCURRED", "BY", "EVENT", "DETAILS"], rows)
        )

    emit(as_json, data, text)


def _details(details: dict[str, Any]) -> str:
    parts = []
    for key, value in details.items():
        if isinstance(value, dict):
            value = "{…}" if key == "analysis" else _details(value)
        elif isinstance(value, list):
            value = ",".join(str(v) for v in value)
        parts.append(f"{key}={value}")
    return "; ".join(parts)


COMMANDS = [history]
