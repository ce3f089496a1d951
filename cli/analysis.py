"""An account's analysis: 'analyse' records it (R2, R3); 'prospect analysis' prints the
one it was last given so that 'analyse' reads it back (edit it and analyse again)."""

from __future__ import annotations

import click

from cli.context import Env, pass_env
from cli.language import say, state
from cli.params import acting, choice, output_format
from cli.render import emit, output_options, short
from kaflow.application.words import SAID
from kaflow.reporting.money import money


@click.command("analysis")
@click.argument("account_id", metavar="ID")
@click.option(
    "--format",
    "fmt",
    type=choice(["yaml", "json"]),
    default="yaml",
    show_default=True,
    help="YAML (with a comment saying whose it is) or JSON; both are read by 'analyse'.",
)
@output_options
@acting
@pass_env
def prospect_analysis(env: Env, account_id: str, fmt: str, as_json: bool) -> None:
    """Print the account's latest analysis (R2, R3) as it was recorded, in the form
    'analyse' reads: edit it and analyse again.

    \b
    Example:
      kaflow prospect analysis 3f2a1b > acme.yaml   # then edit it
      kaflow analyse 3f2a1b --file acme.yaml
      kaflow prospect analysis 3f2a1b --format json
    """
    fmt = output_format(fmt, as_json)  # before any reading: a usage error
    data = env.queries.analysis(env.actor(), env.account(account_id))
    if fmt == "json":
        emit(True, data["analysis"], lambda: "")
        return
    import yaml

    head = (
        f"# The analysis of account {data['id']}, done {env.local(data['analysed_at'])}, "
        f"recorded by {data['actor']};\n# development value "
        f"{money(data['development_value'], env.settings.currency)}. Edit it, then: "
        f"kaflow analyse {short(data['id'])} --file FILE\n"
    )
    body = yaml.safe_dump(
        data["analysis"], allow_unicode=True, sort_keys=False, default_flow_style=False
    )
    click.echo(head + body, nl=False)


@click.command()
@click.argument("account_id", metavar="ID")
@click.option(
    "--file",
    "path",
    required=True,
    type=click.Path(allow_dash=True),
    help="The analysis, YAML or JSON; - reads standard input (see 'kaflow template analysis').",
)
@click.option("--at", "at", metavar="WHEN", help="When the analysis was done (default: now).")
@output_options
@acting
@pass_env
def analyse(env: Env, account_id: str, path: str, at: str | None, as_json: bool) -> None:
    """Record the account's analysis (R2, R3) and its development value.

    \b
    Example:
      kaflow template analysis > acme.yaml   # then edit it
      kaflow analyse 3f2a1b --file acme.yaml
    """
    from kaflow.application.analysis import AnalyseProspect
    from kaflow.application.analysis_file import load_analysis_file

    actor = env.actor()
    cmd = AnalyseProspect.validate(
        {
            "prospect_id": env.account(account_id),
            "analysis": load_analysis_file(path),
            "occurred_at": env.when(at),
        }
    )
    env.app.handle(actor, cmd)
    data = env.queries.account(actor, cmd.prospect_id)
    emit(
        as_json,
        data,
        lambda: say(
            SAID["analysed"],
            name=data["name"],
            value=data["development_value"],
            state=state(data["state"]),
        ),
    )


COMMANDS = [analyse]
