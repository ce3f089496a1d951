"""The CLI's one table from kaflow's errors to exit codes, and from fields and steps to
the options and commands that spell them here."""

from __future__ import annotations

import json

import click

from kaflow.errors import KaflowError, Kind

REFUSED, BAD_INPUT, NOT_FOUND, CONFLICT = 1, 2, 3, 4  # 0: done
EXIT_CODES = {
    Kind.REFUSED: REFUSED,
    Kind.BAD_INPUT: BAD_INPUT,
    Kind.NOT_FOUND: NOT_FOUND,
    Kind.CONFLICT: CONFLICT,
    Kind.UNAVAILABLE: BAD_INPUT,  # retrying will not help: the store needs attention
}

# A field, as this front end spells it where it differs from --field-name.
OPTIONS = {
    "occurred_at": "--at",
    "effective_from": "--since",
    "prospect_id": "ID",
    "account": "ID",
    "name": "NAME",
    "actor": "--as (or KAFLOW_USER)",
    "as_of": "--as-of",
    "since": "--from",
    "until": "--to",
    "analysis_file": "--file",
    "target": "--to",
    "user": "NAME",
    "now": "--now",
    "window": "--follow-up-within",
}
# A step, as a command line.
COMMANDS = {
    "user_list": "user list",
    "user_role": "user role",
    "follow_up": "follow-up",
    "init_owner": "init --owner NAME",
    "init_join": "init --join --store URL",
    "init_owner_store": "init --owner NAME --store URL",
    "template_analysis": "template analysis",
    "store_check": "store check",
}
SHOWN_PROBLEMS = 5


def option(name: str) -> str:
    return OPTIONS.get(name, "--" + name.replace("_", "-"))


def command(name: str) -> str:
    return f"'kaflow {COMMANDS.get(name, name.replace('_', '-'))}'"


class Refusal(click.ClickException):
    """A one-line message on stderr and an exit code; never a traceback."""

    def __init__(
        self,
        message: str,
        exit_code: int,
        rule: str | None = None,
        kind: str | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.exit_code = exit_code  # type: ignore[misc]
        self.rule = rule
        self.kind = kind
        self.field = field
        self.as_json = False  # set when the command was asked for --json

    def show(self, file: object = None) -> None:
        click.echo(self.format_message(), err=True)
        if self.as_json:
            print_json_error(self.format_message(), self.exit_code, self.rule, self.kind)


def print_json_error(
    message: str, exit_code: int, rule: str | None = None, kind: str | None = None
) -> None:
    """Under --json, an error is one JSON document on stdout too."""
    document: dict[str, object] = {"error": message, "exit_code": exit_code}
    if rule:
        document["rule"] = rule
    if kind:
        document["kind"] = kind
    click.echo(json.dumps(document, ensure_ascii=False))


def as_refusal(error: Exception) -> Refusal | None:
    from kaflow.bootstrap import known_error

    found = known_error(error)
    if found is None:
        return None
    return Refusal(
        found.render(option, command),
        EXIT_CODES[found.kind],
        rule=found.rule,
        kind=found.kind.value,
        field=found.field,
    )


def validation_message(error: KaflowError) -> str:
    return error.render(option, command)
