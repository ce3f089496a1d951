"""ledger --all: many accounts' development records in one printable workbook."""

from __future__ import annotations

import click

from cli.context import Env
from cli.output import export


def records(
    env: Env,
    account_id: str | None,
    every: bool,
    fmt: str,
    lang: str,
    output: str | None,
    choose: tuple[str | None, str | None, str | None],
) -> None:
    """Write the records --all chooses: an xlsx workbook, or JSON (a list)."""
    from kaflow.reporting.export import value
    from kaflow.reporting.ledger import document
    from kaflow.reporting.workbook import records_workbook

    if account_id is not None or not every:
        raise click.UsageError("give an account's ID, or --all (not both)")
    if fmt not in ("xlsx", "json"):
        raise click.UsageError("--all writes --format xlsx (a workbook) or json")
    state, since, until = choose
    found = env.queries.ledgers(env.actor(), state, since, until)
    if fmt == "json":
        export(env, None, found, "json", output)
        return
    if output is None or output == "-":
        raise click.UsageError("--all --format xlsx writes a file: give --output FILE.xlsx")
    zone, currency = env.settings.timezone, env.settings.currency
    docs = [(r["account"]["name"], document(r, lang, zone, currency)) for r in found]
    headers = ["name", "state", "result", "first_at", "result_at", "id"]
    if lang == "zh":
        headers = ["客户名称", "状态", "开发结果", "首次记录", "结果日期", "编号"]
    rows = [
        [
            r["account"]["name"],
            value(r["account"]["state"], lang),
            value(r["totals"]["result"], lang),
            r["totals"]["first_at"],
            r["totals"]["result_at"] or "",
            r["account"]["id"],
        ]
        for r in found
    ]
    title = "目录" if lang == "zh" else "index"
    records_workbook(docs, title, headers, rows, output)
    click.echo(f"wrote {output}: {len(found)} records", err=True)
