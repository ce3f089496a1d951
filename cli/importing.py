"""import: a team's accounts and their dated steps from a workbook or a CSV file."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from cli.context import Env, pass_env
from cli.params import acting
from cli.render import emit, output_options, table

RESULTS = ("imported", "already_imported", "refused", "not_imported")


@click.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row and report; write nothing.")
@click.option(
    "--allow-duplicate",
    is_flag=True,
    help="Add accounts even if one is called (nearly) the same already.",
)
@output_options
@acting
@pass_env
def import_file(env: Env, file: Path, dry_run: bool, allow_duplicate: bool, as_json: bool) -> None:
    """Import accounts and what was done with them, from .xlsx or .csv.

    Every row becomes the same command as typed here, checked by the same rules, in the
    order the steps happened for each account (their own dates, recorded as imported by
    you, from FILE and its row). One account's rows go in together or not at all; a row
    imported before is not imported again, so a second run completes a first one. The
    workbook's sheets: accounts (客户) and steps (开发记录); headers in English or as
    the form's Chinese; a CSV file is one table (UTF-8, with or without BOM, or GBK),
    its accounts the rows of step 'identify' (识别). Exit 1 if any row was refused.

    \b
    Example:
      kaflow template import --lang zh --output accounts.xlsx   # fill it in
      kaflow import accounts.xlsx --dry-run
      kaflow import accounts.xlsx
    """
    importer = env.services.importer(env.actor(), file, allow_duplicate)
    bar: Any
    with click.progressbar(
        length=1, label="importing", file=sys.stderr, hidden=as_json or not sys.stderr.isatty()
    ) as bar:

        def progress(done: int, total: int) -> None:
            bar.length = total
            bar.update(done - bar.pos)

        data = importer.run(dry_run=dry_run, progress=progress)

    def text() -> str:
        rows = [
            (r["row"], r["step"], (r["account"] or "")[:8], r["result"], r.get("cell", ""),
             r.get("error", ""))
            for r in data["results"]
            if r["result"] != "imported" or len(data["results"]) <= 50
        ]  # fmt: skip
        counts = ", ".join(f"{data[k]} {k.replace('_', ' ')}" for k in RESULTS)
        head = f"{data['file']}: {data['rows']} rows, {data['accounts']} accounts: {counts}"
        if dry_run:
            head += " (dry run: nothing written)"
        shown = table(["ROW", "STEP", "ACCOUNT", "RESULT", "CELL", "WHY"], rows, empty="")
        return head + ("\n" + shown if rows else "")

    emit(as_json, data, text)
    if data["refused"]:
        sys.exit(1)


@click.command("import")
@click.option(
    "--format", "fmt", type=click.Choice(["xlsx", "csv"]), default="xlsx", show_default=True
)
@click.option(
    "--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True, help="Headers."
)
@click.option(
    "--output",
    metavar="FILE",
    help="Where to write it (default: kaflow-import.xlsx or .csv here; - for a CSV on "
    "standard output).",
)
def template_import(fmt: str, lang: str, output: str | None) -> None:
    """Write an import file to fill in: a sheet of accounts and a sheet of dated steps
    (one table for CSV), with a filled example.

    \b
    Example:
      kaflow template import --lang zh --output 客户导入.xlsx
      kaflow template import --format csv --output - > accounts.csv
    """
    from kaflow.application.import_file import template
    from kaflow.errors import BadInputError

    data = template(fmt, lang)
    if output == "-":
        if fmt == "xlsx":
            raise BadInputError("a workbook is not written to standard output: give a file")
        sys.stdout.buffer.write(data)
        return
    path = Path(output or f"kaflow-import.{fmt}")
    if path.exists():
        raise BadInputError(f"{path} exists already: give another file", field="output")
    path.write_bytes(data)
    click.echo(f"wrote {path}")


COMMANDS = [import_file]
