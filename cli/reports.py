"""Reading kaflow: the development record, the reports, and the views behind them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click

from cli.context import Env, pass_env
from cli.output import OUTPUT, export
from cli.params import acting, as_of_options, choice, output_format
from cli.render import output_options, short
from kaflow.reporting.money import money

LANG = click.option(
    "--lang",
    type=choice(["en", "zh"]),
    default="en",
    show_default=True,
    help="Labels: English, or the form's own Chinese labels.",
)


@click.command("ledger")
@click.argument("account_id", metavar="ID", required=False)
@click.option("--all", "every", is_flag=True, help="Many accounts' records in one workbook.")
@click.option("--state", metavar="STATE", help="--all: only accounts in STATE (won, lost ...).")
@click.option("--from", "since", metavar="WHEN", help="--all: only those worked on since WHEN.")
@click.option("--to", "until", metavar="WHEN", help="--all: only those worked on until WHEN.")
@click.option(
    "--format",
    "fmt",
    type=choice(["table", "json", "csv", "xlsx", "md"]),
    default="table",
    show_default=True,
)
@LANG
@OUTPUT
@as_of_options("the record")
@output_options
@acting
@pass_env
def ledger(
    env: Env,
    account_id: str | None,
    every: bool,
    state: str | None,
    since: str | None,
    until: str | None,
    fmt: str,
    lang: str,
    output: str | None,
    as_of: str | None,
    recorded_by: str | None,
    as_json: bool,
) -> None:
    """The development record (R14, 大客户开发备案表) of an account, won, lost or open.

    Customer and classification, every dated entry (meetings, contacts, conferences,
    material, visits, follow-ups: the person reached, channel or manner, the customer's
    attitude, progress notes), the totals, the success or failure summary, remarks,
    compile and review dates, and every change made to it.

    \b
    Example:
      kaflow ledger 3f2a1b
      kaflow ledger 3f2a1b --lang zh --format xlsx --output huadong.xlsx
      kaflow ledger 3f2a1b --format csv --lang zh > record.csv
      kaflow ledger 3f2a1b --as-of 2025-11-30 --recorded-by 2025-11-30
      kaflow ledger --all --state won --from 2025-11-01 --to 2025-11-30 \\
          --format xlsx --lang zh --output 2025-11.xlsx

    With --all, the records of every account (not archived) in one workbook, an index
    sheet then one sheet per account, ready to print; --state, --from and --to (by when
    steps happened) choose which.
    """
    from kaflow.reporting.ledger import document

    fmt = output_format(fmt, as_json)  # before any reading: a usage error
    if every or account_id is None:
        from cli.records import records

        records(env, account_id, every, fmt, lang, output, (state, since, until))
        return
    if state or since or until:
        raise click.UsageError("--state, --from and --to choose the accounts of --all")
    data = env.queries.ledger(env.actor(), env.account(account_id), as_of, recorded_by)
    doc = document(data, lang, env.settings.timezone, env.settings.currency)
    export(env, doc, data, fmt, output)


@click.command("report")
@click.argument(
    "name",
    type=choice(["funnel", "losses", "registry", "visits", "overdue", "conformance", "activity"]),
)
@click.option(
    "--as-of",
    "as_of",
    metavar="WHEN",
    help="The work as it stood then: what had happened by WHEN, recorded later too (default now).",
)
@click.option(
    "--recorded-by",
    metavar="WHEN",
    help="The record as it stood then: only what had been recorded by WHEN (default now).",
)
@click.option(
    "--format",
    "fmt",
    type=choice(["table", "json", "csv", "xlsx", "md"]),
    default="table",
    show_default=True,
)
@OUTPUT
@click.option("--lead", metavar="USER", help="visits: only those led by USER.")
@click.option(
    "--from", "since", metavar="WHEN", help="visits, activity: only what happened since WHEN."
)
@click.option(
    "--to", "until", metavar="WHEN", help="visits, activity: only what happened until WHEN."
)
@click.option("--owner", metavar="USER", help="Only the accounts USER owns now.")
@click.option("--include-archived", is_flag=True, help="Archived accounts too.")
@click.option(
    "--section",
    metavar="TITLE",
    help="csv: the section to write, where a report has several (default: the first).",
)
@output_options
@acting
@pass_env
def report(
    env: Env,
    name: str,
    as_of: str | None,
    recorded_by: str | None,
    fmt: str,
    output: str | None,
    lead: str | None,
    since: str | None,
    until: str | None,
    owner: str | None,
    include_archived: bool,
    section: str | None,
    as_json: bool,
) -> None:
    """A report, read from the views: funnel, losses, registry, visits, overdue,
    conformance, activity.

    \b
    funnel       accounts per state, conversion to the next stage, median and
                 90th-percentile days spent in each stage
    losses       lost accounts by reason and by the stage lost in, with analyses (R13)
    registry     the key-account registry: won accounts (R12)
    visits       visit records (R10); --lead, --from, --to filter them
    overdue      follow-ups overdue now, and deadlines breached in the past (R11)
    conformance  each account against each rule R1-R14: met, breached, not yet due
    activity     per person: steps recorded, visits led, follow-ups in time and
                 late (R11), accounts owned now; --from, --to by when steps happened

    \b
    Two kinds of "as of", alone or together (a bare date: its end):
      --as-of WHEN        the work as it stood then: steps that happened by WHEN,
                          including those recorded later (November, backfilled in
                          December, counts in November)
      --recorded-by WHEN  the record as it stood then: only steps recorded by WHEN
                          (what a report printed that day showed: the auditor's view)

    \b
    Example:
      kaflow report funnel
      kaflow report funnel --owner sam
      kaflow report funnel --as-of 2025-11-30
      kaflow report funnel --as-of 2025-11-30 --recorded-by 2025-11-30
      kaflow report visits --lead mia --from 2025-01-01 --format csv --output visits.csv
      kaflow report conformance --recorded-by 2025-06-30 --json
      kaflow report activity --from 2025-06-01 --to 2025-06-30
    """
    fmt = output_format(fmt, as_json)  # before any reading: a usage error
    data = env.queries.report(
        env.actor(),
        name,
        as_of,
        recorded_by=recorded_by,
        lead=lead,
        since=since,
        until=until,
        owner=owner,
        include_archived=include_archived,
    )
    if fmt == "json":
        for part in data["sections"]:
            part["rows"] = [dict(zip(part["columns"], r, strict=True)) for r in part["rows"]]
        export(env, None, data, "json", output)
    else:
        doc = _document(env, data, fmt)
        if fmt == "csv":  # one rectangular table: a header row, then rows
            doc = _one_section(doc, section)
        elif section is not None:
            raise click.UsageError("--section picks the table a CSV file holds")
        export(env, doc, data, fmt, output)


def _one_section(doc: Any, title: str | None) -> Any:
    from kaflow.reporting.export import Document

    tables = [s for s in doc.sections if not s.pairs]
    if title is None:
        return Document(doc.title, tables[:1], doc.empty, table=True, log=doc.log)
    for s in tables:
        if (s.title or "").casefold() == title.strip().casefold():
            return Document(doc.title, [s], doc.empty, table=True, log=doc.log)
    known = ", ".join(repr(s.title) for s in tables)
    raise click.BadParameter(
        f"no section {title!r} in this report ({known})", param_hint="--section"
    )


def _document(env: Env, data: dict[str, Any], fmt: str) -> Any:
    from kaflow.reporting.export import Document, Section

    moment = env.local(datetime.fromisoformat(data["as_of"]))
    if data["recorded_by"] is not None:
        moment += f", as recorded by {env.local(datetime.fromisoformat(data['recorded_by']))}"
    sections = []
    for s in data["sections"]:
        rows = [list(r) for r in s["rows"]]
        if fmt == "table":
            rows = [_for_terminal(env, s["columns"], r) for r in rows]
        sections.append(Section(s["title"], s["columns"], rows))
    if fmt == "table" and data["report"] == "conformance":
        sections = [_matrix(data["sections"][0])]
    if data["report"] == "conformance" and "recording" in data["sections"][0]:
        sections.append(_recording(data["sections"][0]["recording"], fmt))
    return Document(f"{data['report']} (as of {moment})", sections, log=data.get("log"))


def _for_terminal(env: Env, columns: list[str], row: list[Any]) -> list[Any]:
    out = []
    for column, cell in zip(columns, row, strict=True):
        if column == "account":
            cell = short(cell)
        elif column == "development_value" and cell is not None:  # an amount, for people
            cell = money(cell, env.settings.currency)
        elif isinstance(cell, str) and column.endswith("_at") and "T" in cell:
            cell = env.local(datetime.fromisoformat(cell))
        out.append(cell)
    return out


def _recording(note: list[dict[str, Any]], fmt: str) -> Any:
    """Beside the rules, per account: entries recorded late, and for another."""
    from kaflow.reporting.export import Section
    from kaflow.reporting.recording import NOTE_COLUMNS

    rows = [[row[c] for c in NOTE_COLUMNS] for row in note]
    if fmt == "table":
        rows = [[short(row[0]), *row[1:]] for row in rows]
    return Section("entries recorded late or for another", list(NOTE_COLUMNS), rows)


def _matrix(section: dict[str, Any]) -> Any:
    """Conformance for a terminal: one row per account, one column per rule."""
    from kaflow.reporting.conformance import RULES
    from kaflow.reporting.export import Section

    marks = {"met": "✓", "breached": "✗", "not yet due": "·", "not applicable": "-"}
    accounts: dict[str, list[Any]] = {}
    for account, name, _rule, status, _ in section["rows"]:
        accounts.setdefault(account, [short(account), name])
        accounts[account].append(marks[status])
    title = "✓ met  ✗ breached  · not yet due  - not applicable"
    return Section(title, ["account", "name", *RULES], list(accounts.values()))


COMMANDS = [ledger, report]
