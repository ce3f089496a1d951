"""The CLI's one table from kaflow's errors to exit codes, and from fields and steps to
the options and commands that spell them here."""

from __future__ import annotations

from typing import Any

import click

from cli.render import json_for_stdout, printable
from kaflow.errors import Kind

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
    "recorded_by": "--recorded-by",
    "allow_duplicate": "--allow-duplicate",
    "least": "--similarity",
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
    "audit_keygen": "audit keygen",
    "audit_seal": "audit seal",
}
SHOWN_PROBLEMS = 5


def option(name: str) -> str:
    return OPTIONS.get(name, "--" + name.replace("_", "-"))


def command(name: str) -> str:
    return f"'kaflow {COMMANDS.get(name, name.replace('_', '-'))}'"


KINDS = {REFUSED: "refused", BAD_INPUT: "bad_input", NOT_FOUND: "not_found", CONFLICT: "conflict"}
INTERRUPTED = 130


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
        self.kind = kind or KINDS.get(exit_code, "bad_input")
        self.field = field  # as this front end spells it: "--at", "ID"
        self.as_json = False  # set when the command was asked for --json

    def show(self, file: object = None) -> None:
        click.echo(printable(self.format_message()), err=True)
        if self.as_json:
            print_json_error(
                self.format_message(), self.exit_code, self.kind, self.field, rule=self.rule
            )


class UsageRefusal(click.ClickException):
    """One of click's own errors (a usage error: an unknown option, a bad value), shown
    as click shows it, its control characters escaped; under --json, a JSON error too."""

    def __init__(self, error: click.ClickException, as_json: bool) -> None:
        super().__init__(error.message)
        self.exit_code = error.exit_code  # type: ignore[misc]
        self.error = error
        self.as_json = as_json

    def show(self, file: object = None) -> None:
        message = self.error.format_message()
        # Escaped before click shows it (click would strip an escape sequence from what
        # is not a terminal, and send it raw to one).
        vars(self.error)["message"] = printable(self.error.message)
        self.error.show()
        if self.as_json:
            print_json_error(message, self.exit_code, "bad_input", click_field(self.error))


def click_field(error: click.ClickException) -> str | None:
    """The option or argument a click error is about, as typed (``--at``, ``ID``)."""
    if isinstance(error, click.NoSuchOption | click.BadOptionUsage):
        return error.option_name
    param = getattr(error, "param", None)
    if isinstance(param, click.Option):
        return max(param.opts, key=len)
    if isinstance(param, click.Parameter):
        return param.human_readable_name
    return None


def print_json_error(
    message: str,
    exit_code: int,
    kind: str,
    field: str | None = None,
    *,
    rule: str | None = None,
) -> None:
    """Under --json, an error is one JSON document on stdout too: always ``error``,
    ``exit_code``, ``kind`` and ``field`` (the option at fault, or null); ``rule`` when
    a rule refused. Characters the console cannot show are JSON escapes."""
    document: dict[str, object] = {
        "error": message,
        "exit_code": exit_code,
        "kind": kind,
        "field": field,
    }
    if rule:
        document["rule"] = rule
    click.echo(json_for_stdout(document, indent=None))


def as_refusal(error: Exception) -> Refusal | None:
    from kaflow.bootstrap import known_error

    found = known_error(error)
    if found is None:
        return None
    return Refusal(
        _in_language(found, found.render(option, command)),
        EXIT_CODES[found.kind],
        rule=found.rule,
        kind=found.kind.value,
        field=option(found.field) if found.field else None,
    )


def _in_language(error: Any, message: str) -> str:
    """The message in the user's language (``language`` in kaflow.toml, or KAFLOW_LANG):
    in Chinese, the rule's or the refusal's words from the catalog the web pages use,
    then the application's own message, which names the rule."""
    from cli.language import language, say

    if language() == "en":
        return message
    from kaflow.application import words

    headline = words.RULES.get(error.rule or "") or words.KINDS.get(error.kind.value, "")
    if not headline:
        return message
    said = say(headline).rstrip("。.")
    return f"{said}（{error.rule}）：{message}" if error.rule else f"{said}：{message}"
