"""``kaflow token``: API tokens for scripts that call ``kaflow serve``."""

from __future__ import annotations

import click

from cli.context import Env, pass_env
from cli.params import acting
from cli.render import emit, output_options, table


@click.group("token")
def token() -> None:
    """API tokens for scripts: sent to 'kaflow serve' as 'Authorization: Bearer TOKEN'.

    A token acts as the user it was issued to, with that user's role; it is kept
    hashed (shown once, when created), and its issue and revocation are recorded.
    """


@token.command("create")
@click.option("--name", "label", required=True, help="What the token is for, e.g. 'wecom-bot'.")
@click.option("--expires", metavar="DURATION", help="Valid for this long (ISO 8601: P90D).")
@click.option("--read-only", is_flag=True, help="Reads only: any write is refused (403).")
@output_options
@acting
@pass_env
def token_create(env: Env, label: str, expires: str | None, read_only: bool, as_json: bool) -> None:
    """Create a token for the acting user and print it, once: it cannot be shown again.

    \b
    Example:
      kaflow --as sam token create --name wecom-bot --expires P90D
      kaflow --as mia token create --name dashboard --read-only --json
    """
    found = env.services.credentials.issue_token(env.actor(), label, expires, read_only)
    data = {"id": found["id"], "token": found["token"], "name": found["name"],
            "read_only": found["read_only"], "expires_at": found["expires_at"]}  # fmt: skip

    def text() -> str:
        until = f", expires {env.local(found['expires_at'])}" if found["expires_at"] else ""
        mode = ", read-only" if read_only else ""
        return (
            f"{found['token']}\n"
            f"token {found['id']} ({found['name']}{mode}{until}); it is not shown again"
        )

    emit(as_json, data, text)


@token.command("list")
@click.option("--all", "everyone", is_flag=True, help="Every user's tokens (an owner).")
@output_options
@acting
@pass_env
def token_list(env: Env, everyone: bool, as_json: bool) -> None:
    """List the acting user's tokens (never the tokens themselves).

    \b
    Example:
      kaflow --as sam token list
      kaflow --as olga token list --all --json
    """
    rows = env.services.credentials.tokens(env.actor(), everyone)

    def status(row: dict[str, object]) -> str:
        if row["revoked_at"]:
            return "revoked"
        return "active" if row["active"] else "expired"

    emit(
        as_json,
        rows,
        lambda: table(
            ["ID", "NAME", "USER", "ACCESS", "CREATED", "EXPIRES", "STATUS"],
            [
                (
                    r["id"],
                    r["name"],
                    r["user"],
                    "read-only" if r["read_only"] else "read-write",
                    env.local(r["created_at"]),
                    env.local(r["expires_at"]) if r["expires_at"] else "-",
                    status(r),
                )
                for r in rows
            ],
            empty="(no tokens)",
        ),
    )


@token.command("revoke")
@click.argument("token_id", metavar="ID")
@output_options
@acting
@pass_env
def token_revoke(env: Env, token_id: str, as_json: bool) -> None:
    """Revoke a token (one's own; an owner anyone's): refused (401) from now on.

    \b
    Example:
      kaflow --as sam token revoke 3f2a1b9c0d4e
    """
    found = env.services.credentials.revoke_token(env.actor(), token_id)
    emit(as_json, found, lambda: f"token {found['id']} ({found['name']}) revoked")


COMMANDS = [token]
