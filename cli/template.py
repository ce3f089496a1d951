"""kaflow template: examples to copy and edit (an analysis, an import file)."""

from __future__ import annotations

import click

from cli.render import emit, output_options


@click.group()
def template() -> None:
    """Examples to copy and edit."""


@template.command("analysis")
@output_options
def template_analysis(as_json: bool) -> None:
    """Print a commented YAML analysis that validates as printed (R2, R3).

    With --json, the same analysis as a JSON document (accepted by 'analyse' too).

    \b
    Example:
      kaflow template analysis > analysis.yaml
    """
    from kaflow.application.analysis import TEMPLATE

    text = TEMPLATE.read_text(encoding="utf-8")
    if as_json:
        import yaml

        emit(True, yaml.safe_load(text), lambda: text)
    else:
        click.echo(text, nl=False)


def _template_import() -> None:
    from cli.importing import template_import

    template.add_command(template_import)


_template_import()
COMMANDS = [template]
