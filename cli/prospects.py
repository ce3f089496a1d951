"""Accounts: prospect add/list/show/duplicates (and the commands of cli.accounts)."""

from __future__ import annotations

from typing import Any

import click

from cli.accounts import SUBCOMMANDS as account_commands
from cli.analysis import prospect_analysis
from cli.context import Env, pass_env
from cli.params import acting, as_of_heading, as_of_options, choice, text_option
from cli.render import emit, output_options, short, table
from kaflow.application import commands as c
from kaflow.reporting.money import DEFAULT_CURRENCY, money


@click.group()
def prospect() -> None:
    """Prospects (key accounts): add one, list them, show one."""


@prospect.command("add")
@click.argument("name")
@click.option(
    "--category",
    type=choice(c.Category),
    required=True,
    help="Existing or potential customer (R1).",
)
@text_option("--nature", required=True, help="The customer's nature, e.g. distributor (R1).")
@text_option("--product-line", default="", help="Our product line for this account (R1).")
@text_option("--service", default="", help="The services the customer needs (R1).")
@click.option("--at", "at", metavar="WHEN", help="When it was identified (default: now).")
@click.option(
    "--owner", metavar="USER", help="The responsible salesperson (default: the acting user)."
)
@click.option(
    "--allow-duplicate", is_flag=True, help="Add it even if an account is called (nearly) the same."
)
@output_options
@acting
@pass_env
def prospect_add(
    env: Env,
    name: str,
    category: str,
    nature: str,
    product_line: str,
    service: str,
    at: str | None,
    owner: str | None,
    allow_duplicate: bool,
    as_json: bool,
) -> None:
    """Identify a prospect and classify it (R1); prints the new id.

    A name the same as an account's (not archived), once case, width, spaces,
    punctuation and company suffixes (有限公司, Co., Ltd. ...) are set aside, or nearly
    the same (90% alike), is refused as a likely duplicate, naming that account, unless
    --allow-duplicate.

    \b
    Example:
      kaflow prospect add "Huadong Supplies" --category potential \\
          --nature distributor --product-line adhesives --service "on-site support"
      kaflow prospect add "华东建材(集团)有限公司" --category potential --nature 国企 \\
          --allow-duplicate
    """
    actor = env.actor()
    cmd = c.IdentifyProspect.validate(
        {
            "name": name,
            "category": category,
            "nature": nature,
            "product_line": product_line,
            "service": service,
            "occurred_at": env.when(at),
            "allow_duplicate": allow_duplicate,
            **({"owner": owner} if owner else {}),
        }
    )
    new_id = str(env.app.identify(actor, cmd))
    emit(
        as_json, {"id": new_id, "name": cmd.name, "state": c.State.IDENTIFIED.value}, lambda: new_id
    )


@prospect.command("list")
@click.option("--state", type=choice(c.State), help="Only this state.")
@click.option("--search", metavar="TEXT", help="Names containing TEXT (any case or width).")
@click.option("--category", type=choice(c.Category), help="Only this category.")
@click.option("--owner", metavar="USER", help="Only the accounts USER owns.")
@click.option("--mine", is_flag=True, help="Only the accounts the acting user owns.")
@click.option(
    "--idle", metavar="DURATION", help="Open accounts with no step for that long (ISO 8601: P14D)."
)
@click.option(
    "--sort",
    type=choice(["identified", "name", "state", "last-step"]),
    help="Order (default: as added; last-step: the longest idle first).",
)
@click.option("--include-archived", is_flag=True, help="Archived accounts too.")
@output_options
@acting
@pass_env
def prospect_list(env: Env, /, state: str | None, as_json: bool, **filters: Any) -> None:
    """List accounts with their owner, state, value and activity.

    Archived accounts are left out unless --include-archived.

    \b
    Example:
      kaflow prospect list --state visited
      kaflow prospect list --search "hua dong" --mine --idle P14D --sort last-step
    """
    rows = env.queries.accounts(env.actor(), state, **filters)
    currency = env.settings.currency
    emit(
        as_json,
        rows,
        lambda: table(
            ["ID", "NAME", "OWNER", "STATE", "CATEGORY", "VALUE", "CONTACTS", "VISITS"],
            [
                (
                    short(r["id"]),
                    r["name"],
                    r["owner"],
                    r["state"] + (" (archived)" if r["archived"] else ""),
                    r["category"],
                    _value(r["development_value"], currency),
                    r["contacts"],
                    r["visits"],
                )
                for r in rows
            ],
            empty="(no accounts)",
        ),
    )


@prospect.command("duplicates")
@click.option(
    "--similarity",
    "least",
    type=int,
    metavar="PERCENT",
    help="How alike names must be (default 90; equal once normalised: 100).",
)
@output_options
@acting
@pass_env
def prospect_duplicates(env: Env, least: int | None, as_json: bool) -> None:
    """List likely duplicate accounts, most similar first, for a manager to archive one
    of each ('prospect archive ID --duplicate-of ID').

    Names are compared once case, width, spaces, punctuation and company suffixes
    (有限公司, 集团, Co., Ltd. ...) are set aside; archived accounts are left out.

    \b
    Example:
      kaflow prospect duplicates
      kaflow prospect duplicates --similarity 80 --json
    """
    found = env.queries.duplicates(env.actor(), least)
    emit(
        as_json,
        found,
        lambda: table(
            ["SIMILAR", "ID", "NAME", "ID", "NAME"],
            [
                (f"{p['similarity']}%", short(a["id"]), a["name"], short(b["id"]), b["name"])
                for p in found
                for a, b in [p["accounts"]]
            ],
            empty="(no likely duplicates)",
        ),
    )


@prospect.command("show")
@click.argument("account_id", metavar="ID")
@as_of_options("the account")
@output_options
@acting
@pass_env
def prospect_show(
    env: Env, account_id: str, as_of: str | None, recorded_by: str | None, as_json: bool
) -> None:
    """Show one account as it stands now: ID is its id, a unique prefix of it, or its
    exact name if no other account has it.

    \b
    Example:
      kaflow prospect show 3f2a1b
      kaflow prospect show "Huadong Supplies"
      kaflow prospect show 3f2a1b --as-of 2025-11-30
      kaflow prospect show 3f2a1b --as-of 2025-11-30 --recorded-by 2025-11-30
    """
    data = env.queries.account(env.actor(), env.account(account_id), as_of, recorded_by)
    emit(
        as_json,
        data,
        lambda: as_of_heading(data, env.local) + describe(data, env.settings.currency),
    )


def _value(amount: str | None, currency: str) -> str:
    return "-" if amount is None else money(amount, currency)


def describe(data: dict[str, Any], currency: str = DEFAULT_CURRENCY) -> str:
    lines = [f"{data['name']}  ({data['id']})"]
    for key in (
        "owner",
        "state",
        "category",
        "nature",
        "product_line",
        "service",
        "development_value",
        "contacts",
        "visits",
        "follow_ups",
    ):
        value = data[key]
        if key == "development_value":
            value = _value(value, currency)
        lines.append(
            f"  {key.replace('_', ' ') + ':':<19}{value if value not in ('', None) else '-'}"
        )
    lines += _analysed(data.get("analysis"))
    if data["approach"]:
        lines.append(
            f"  {'approach:':<19}{data['approach']['method']} (chair {data['approach']['chair']})"
        )
    if data["follow_up_deadline"]:
        deadline = data["follow_up_deadline"]
        overdue = " (overdue)" if deadline["overdue_at"] else ""
        lines.append(
            f"  {'follow-up due:':<19}{deadline['due_at'][:16].replace('T', ' ')}"
            f" (visit {deadline['deadline']}, lead {deadline['lead']}){overdue}"
        )
    if data["outcome"]:
        outcome = data["outcome"]
        detail = outcome.get("classification") or outcome.get("reason")
        lines.append(f"  {'outcome:':<19}{outcome['result']} ({detail})")
    if data["archived"]:
        archived = data["archived"]
        why = f"duplicate of {archived['duplicate_of']}" if archived["duplicate_of"] else ""
        lines.append(f"  {'archived:':<19}{archived['reason']}" + (f" ({why})" if why else ""))
    lines.append(f"  {'next:':<19}{', '.join(data['next']) or '-'}")
    return "\n".join(lines)


def _analysed(analysis: dict[str, Any] | None) -> list[str]:
    """The latest analysis in a few words: who decides, whom we compete with."""
    if not analysis:
        return []
    people = [f"{d['name']} ({d['position']})" for d in analysis["decision_makers"]]
    return [
        f"  {'decision makers:':<19}{'; '.join(people) or '-'}",
        f"  {'competitors:':<19}{'; '.join(analysis['competitors']) or '-'}",
    ]


for _command in [*account_commands, prospect_analysis]:
    prospect.add_command(_command)

COMMANDS = [prospect]
