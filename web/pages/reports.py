"""The pages that read the reports: open follow-up deadlines, and each report with both
kinds of "as of" and its downloads; the conformance report laid out as a matrix
(accounts x R1-R14). Each shows what the application's queries answer (the JSON twins:
``/api/v1/deadlines``, ``/api/v1/reports/{name}``); nothing computed here but the layout."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from kaflow.application.queries import REPORTS
from kaflow.errors import KaflowError
from web.auth import services_of
from web.i18n import N_, gettext_for, language
from web.pages import refusal, render
from web.pages.views import Signed, _common

router = APIRouter()

TITLES = {
    "funnel": N_("Funnel"),
    "losses": N_("Losses"),
    "registry": N_("Key-account registry"),
    "visits": N_("Visits"),
    "overdue": N_("Overdue follow-ups"),
    "conformance": N_("Conformance"),
    "activity": N_("Activity"),
}
# The reports' own section titles and columns, as the pages show them.
SECTIONS = {
    "funnel": N_("Funnel"),
    "by reason": N_("By reason"),
    "by stage": N_("By stage"),
    "lost accounts": N_("Lost accounts"),
    "totals": N_("Totals"),
    "key-account registry": N_("Key-account registry"),
    "visit records (R10)": N_("Visit records (R10)"),
    "overdue now": N_("Overdue now"),
    "breached in the past": N_("Breached in the past"),
    "conformance": N_("Conformance"),
    "activity by person": N_("Activity by person"),
}
COLUMNS = {
    "account": N_("Account"),
    "name": N_("Name"),
    "stage": N_("Stage"),
    "accounts": N_("Accounts"),
    "reached": N_("Reached"),
    "next": N_("Next"),
    "conversion": N_("Conversion"),
    "median_days": N_("Median days"),
    "p90_days": N_("90th percentile days"),
    "reason": N_("Reason"),
    "losses": N_("Losses"),
    "lost_in": N_("Lost in"),
    "lost_at": N_("Lost at"),
    "by": N_("By"),
    "analysis": N_("Analysis"),
    "reopened_at": N_("Reopened at"),
    "reopen_reason": N_("Reason reopened"),
    "count": N_("Count"),
    "value": N_("Value"),
    "classification": N_("Classification"),
    "development_value": N_("Development value"),
    "won_at": N_("Won at"),
    "lead": N_("Lead"),
    "visit": N_("Visit"),
    "occurred_at": N_("Happened"),
    "place": N_("Place"),
    "manner": N_("Manner"),
    "points": N_("Main talking points"),
    "views": N_("Customer's views"),
    "next_steps": N_("Next steps"),
    "recorded_by": N_("Recorded by"),
    "due_at": N_("Due"),
    "overdue_seconds": N_("Overdue by"),
    "recorded_overdue_at": N_("Recorded overdue at"),
    "settled_by": N_("Settled by"),
    "settled_at": N_("Settled at"),
    "late_by_seconds": N_("Late by"),
    "rule": N_("Rule"),
    "status": N_("Status"),
    "evidence": N_("Evidence"),
    "person": N_("Person"),
    "steps": N_("Steps"),
    "visits_led": N_("Visits led"),
    "follow_ups_in_time": N_("Follow-ups in time"),
    "follow_ups_late": N_("Follow-ups late"),
}
STATUSES = {
    "met": N_("met"),
    "breached": N_("not met"),
    "not yet due": N_("not yet due"),
    "not applicable": N_("not applicable"),
}
MARKS = {"met": "✓", "breached": "✗", "not yet due": "…", "not applicable": "–"}
RULES = [f"R{n}" for n in range(1, 15)]
SECONDS = ("overdue_seconds", "late_by_seconds")
CODES = ("stage", "next", "reason", "lost_in", "manner")  # recorded codes, shown translated
FORMATS = ("xlsx", "csv", "md")
SPAN = N_("%(days)s d %(hours)s h")


def span(request: Request) -> Any:
    """A number of seconds as days and hours, in the page's language."""
    t = gettext_for(language(request)).gettext

    def shown(seconds: int | float | None) -> str:
        if seconds is None:
            return "-"
        hours = int(abs(seconds)) // 3600
        return t(SPAN) % {"days": hours // 24, "hours": hours % 24}

    return shown


@router.get("/deadlines", name="deadlines_page", response_class=HTMLResponse)
def deadlines_page(request: Request, found: Signed, overdue: bool = False) -> HTMLResponse:
    """The open follow-up deadlines (R11), earliest due first (``/api/v1/deadlines``)."""
    rows = services_of(request).queries.deadlines(found.actor, overdue)
    context = {"rows": rows, "overdue_only": overdue, "span": span(request), **_common(found)}
    return render(request, "deadlines.html", context)


@router.get("/reports", name="reports_page", response_class=HTMLResponse)
def reports_page(request: Request, found: Signed) -> HTMLResponse:
    context = {"reports": REPORTS, "titles": TITLES, **_common(found)}
    return render(request, "reports.html", context)


@router.get("/reports/{name}", name="report_page", response_class=HTMLResponse)
def report_page(
    request: Request,
    found: Signed,
    name: str,
    as_of: str | None = None,
    recorded_by: str | None = None,
    lead: str | None = None,
    since: Annotated[str | None, Query(alias="from")] = None,
    until: Annotated[str | None, Query(alias="to")] = None,
    owner: str | None = None,
    include_archived: bool = False,
) -> HTMLResponse:
    """One report as ``/api/v1/reports/{name}`` answers it, with its downloads."""
    name = name.strip().lower()
    asked = {"as_of": as_of, "recorded_by": recorded_by, "lead": lead, "from": since,
             "to": until, "owner": owner}  # fmt: skip
    filters = {k: v.strip() for k, v in asked.items() if v and v.strip()}
    if include_archived:
        filters["include_archived"] = "true"
    data, error = None, None
    try:
        data = services_of(request).queries.report(
            found.actor,
            name,
            filters.get("as_of"),
            recorded_by=filters.get("recorded_by"),
            lead=filters.get("lead"),
            since=filters.get("from"),
            until=filters.get("to"),
            owner=filters.get("owner"),
            include_archived=include_archived,
        )
    except KaflowError as e:
        error = refusal(request, e)
    context = {
        "name": name,
        "title": TITLES.get(name, name),
        "data": data,
        "matrix": matrix(data) if data and name == "conformance" else None,
        "filters": filters,
        "downloads": {f: urlencode({**filters, "format": f}) for f in FORMATS},
        "error": error,
        "known": name in REPORTS,
        "sections": SECTIONS,
        "columns": COLUMNS,
        "statuses": STATUSES,
        "marks": MARKS,
        "seconds": SECONDS,
        "codes": CODES,
        "span": span(request),
        **_common(found),
    }
    return render(request, "report.html", context, error["status"] if error else 200)


def matrix(data: dict[str, Any]) -> dict[str, Any]:
    """The conformance report's rows (account, name, rule, status, evidence) laid out as
    a grid: one line per account, one cell per rule, as the report says each stands."""
    section = data["sections"][0]
    at = {column: i for i, column in enumerate(section["columns"])}
    lines: dict[str, dict[str, Any]] = {}
    for row in section["rows"]:
        line = lines.setdefault(row[at["account"]], {"id": row[at["account"]],
                                "name": row[at["name"]], "cells": {}})  # fmt: skip
        line["cells"][row[at["rule"]]] = {"status": row[at["status"]],
                                          "evidence": row[at["evidence"]]}  # fmt: skip
    return {"rules": RULES, "lines": list(lines.values())}
