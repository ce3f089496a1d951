"""Workspace and users: init, user add, user role, user deactivate, user show, user list."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click

from cli.context import Env, pass_env
from cli.params import acting, choice
from cli.render import emit, output_options, table
from kaflow.application import commands as c

ROLES = choice(c.Role)


@click.group()
def user() -> None:
    """Users and their roles (sales, manager, director, owner).

    Only an owner adds users or changes roles. Every change is recorded, so the
    role a person held on any date is known.
    """


@user.command("add")
@click.argument("name")
@click.option("--role", type=ROLES, required=True, help="The user's role.")
@click.option("--since", metavar="WHEN", help="When the role took effect (default: now).")
@output_options
@acting
@pass_env
def user_add(env: Env, name: str, role: str, since: str | None, as_json: bool) -> None:
    """Add a user with a role.

    \b
    Example:
      kaflow --as olga user add mia --role manager --since 2025-01-01
    """
    cmd = c.AddUser.validate(_assignment(env, name, role, since))
    _report(env, cmd, env.app.add_user(env.actor(), cmd), as_json, "Added ")


@user.command("role")
@click.argument("name")
@click.option("--role", type=ROLES, required=True, help="The new role.")
@click.option("--since", metavar="WHEN", help="When the new role took effect (default: now).")
@output_options
@acting
@pass_env
def user_role(env: Env, name: str, role: str, since: str | None, as_json: bool) -> None:
    """Change a user's role from a date; the earlier roles stay on record.

    A date in the past corrects the record (the steps it affects keep what they
    recorded); a date in the future schedules the change.

    \b
    Example:
      kaflow user role sam --role manager --since 2025-06-01 --as olga
    """
    cmd = c.ChangeRole.validate(_assignment(env, name, role, since))
    _report(env, cmd, env.app.change_role(env.actor(), cmd), as_json)


def _assignment(env: Env, name: str, role: str, since: str | None) -> dict[str, Any]:
    return {"name": name, "role": role, "effective_from": env.when(since, "effective_from")}


def _report(
    env: Env, cmd: c.AddUser | c.ChangeRole, since: datetime, as_json: bool, prefix: str = ""
) -> None:
    """What the user's roles are now that the change is recorded."""
    found = env.queries.user(env.actor(), cmd.name)
    name, held = found["name"], found["role"]
    data = {
        "name": name,
        "role": cmd.role.value,
        "since": since.isoformat(),
        "role_now": held,
        "roles": found["roles"],
    }

    def text() -> str:
        line = f"{prefix}{name}: {cmd.role.value} from {env.local(since)}"
        if held != cmd.role.value:
            line += f"; now {held or 'no role yet'}"
        return line + "."

    emit(as_json, data, text)


@user.command("deactivate")
@click.argument("name")
@click.option("--since", metavar="WHEN", required=True, help="When the user stopped working here.")
@click.option(
    "--hand-over-to",
    metavar="USER",
    help="Who takes over the user's open accounts (needed if they own any).",
)
@output_options
@acting
@pass_env
def user_deactivate(
    env: Env, name: str, since: str, hand_over_to: str | None, as_json: bool
) -> None:
    """Deactivate a user who leaves (owner only): no role from --since on.

    Steps they took before keep the role they held; anything they would do after is
    refused. Their open accounts (not won, lost or archived) are assigned to
    --hand-over-to, each as its own assignment on the account's history.

    \b
    Example:
      kaflow user deactivate sam --since 2026-03-31 --hand-over-to mia --as olga
    """
    fields = {"name": name, "effective_from": env.when(since, "effective_from")}
    cmd = c.DeactivateUser.validate({**fields, "hand_over_to": hand_over_to})
    data = env.people.deactivate(env.actor(), cmd)
    count = len(data["handed_over"])

    def text() -> str:
        line = f"Deactivated {data['name']} from {env.local(data['since'])}"
        if data["hand_over_to"] is not None:
            line += f"; {count} open account(s) handed over to {data['hand_over_to']}"
        return line + "."

    emit(as_json, data, text)


@user.command("edit")
@click.argument("name")
@click.option("--email", metavar="ADDRESS", help="E-mail address notices are sent to.")
@click.option("--wecom", metavar="ID", help="WeCom (企业微信) user id, for mentions.")
@click.option("--dingtalk", metavar="ID", help="DingTalk (钉钉) user id, for mentions.")
@click.option("--feishu", metavar="ID", help="Feishu (飞书) open_id or user_id, for mentions.")
@click.option(
    "--language",
    metavar="LANG",
    help="The language of their pages in 'kaflow serve', wherever they sign in: en or "
    "zh-CN ('' lets the browser decide).",
)
@output_options
@acting
@pass_env
def user_edit(
    env: Env,
    name: str,
    email: str | None,
    wecom: str | None,
    dingtalk: str | None,
    feishu: str | None,
    language: str | None,
    as_json: bool,
) -> None:
    """Set where a user is told of notices: an e-mail address and IM handles, and the
    language of their pages (a user their own, an owner anyone's). Each option given is
    set ('' removes it), the others are kept; a change of contacts is recorded in the
    user directory, the language kept as the user's preference.

    \b
    Example:
      kaflow user edit mia --email mia@example.com --wecom MiaZhang --as mia
      kaflow user edit sam --dingtalk "" --as olga
      kaflow user edit mia --language zh-CN --as mia
    """
    from kaflow.application.contacts import ChangeContacts

    given = {"email": email, "wecom": wecom, "dingtalk": dingtalk, "feishu": feishu}
    cmd = ChangeContacts.validate({"name": name, **given})
    data = env.services.contacts.edit(env.actor(), cmd, language)

    def text() -> str:
        line = f"{data['name']}: {_contacts(data['contacts'])}"
        if language is not None:  # said when changed
            line += f"; pages in {_language(data['language'])}"
        return line + "."

    emit(as_json, data, text)


def _language(code: str | None) -> str:
    from kaflow.application.language import LANGUAGES

    return f"{LANGUAGES[code]} ({code})" if code else "the browser's language"


def _contacts(contacts: dict[str, str]) -> str:
    return ", ".join(f"{k} {v}" for k, v in contacts.items()) or "no e-mail address or handles"


@user.command("show")
@click.argument("name")
@output_options
@acting
@pass_env
def user_show(env: Env, name: str, as_json: bool) -> None:
    """Show a user's role timeline: since when each role held, and who recorded it.

    \b
    Example:
      kaflow user show sam
    """
    actor = env.actor()
    found = env.queries.user(actor, name)
    roles = env.people.timeline(actor, found["name"])
    contacts: dict[str, str] = env.services.contacts.of(actor, found["name"])["contacts"]
    data: dict[str, Any] = {"name": found["name"], "role": found["role"], "since": found["since"]}
    language = env.services.credentials.language_of(found["name"])
    data.update(roles=roles, contacts=contacts, language=language)

    def text() -> str:
        now = f"{found['name']}: {_held(env, found)} since {env.local(found['since'])}"
        rows = [
            (env.local(r["since"]), r["role"] or "(no role)", r["by"] or "(init)") for r in roles
        ]
        reached = f"\nnotices reach them by: {_contacts(contacts)}" if contacts else ""
        pages = f"\npages in {_language(language)}" if language else ""
        return now + reached + pages + "\n" + table(["SINCE", "ROLE", "BY"], rows)

    emit(as_json, data, text)


def _held(env: Env, found: Any) -> str:
    """A user's role now, or why they hold none."""
    if found["role"]:
        return str(found["role"])
    started = datetime.fromisoformat(found["since"]) <= env.app.now()
    return "(no role)" if started else "(not yet)"


@user.command("list")
@output_options
@acting
@pass_env
def user_list(env: Env, as_json: bool) -> None:
    """List users with their role now and since when it has held without a break.

    A user who was deactivated shows "(no role)" from then.

    \b
    Example:
      kaflow user list --json
    """
    rows = env.queries.users(env.actor())

    def text() -> str:
        return table(
            ["NAME", "ROLE", "SINCE", "CHANGES"],
            [(r["name"], _held(env, r), env.local(r["since"]), len(r["roles"]) - 1) for r in rows],
        )

    emit(as_json, rows, text)


@user.command("password")
@click.argument("name")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from standard input (its first line) instead of asking.",
)
@output_options
@acting
@pass_env
def user_password(env: Env, name: str, password_stdin: bool, as_json: bool) -> None:
    """Set a user's password for signing in to 'kaflow serve' (an owner sets anyone's,
    a user their own). Asked twice, never shown; kept as an Argon2 hash beside the log,
    never in it (the log records that it was set, and by whom); the user's browser
    sessions end.

    \b
    Example:
      kaflow --as olga user password sam
      printf '%s\\n' "$PASSWORD" | kaflow --as sam user password sam --password-stdin
    """
    actor = env.actor()
    if password_stdin:
        import sys

        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt(
            "Password", hide_input=True, confirmation_prompt="Repeat it", err=True
        )
    who = env.services.credentials.set_password(actor, name, password)
    emit(as_json, {"name": who, "password_set": True}, lambda: f"Password set for {who}.")


COMMANDS = [user]
