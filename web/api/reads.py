"""``/api/v1``: the reports (both kinds of "as of"), deadlines, the views' status."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from web.api.documents import checked_format, download, report_document
from web.auth import Reader, services_of

router = APIRouter(tags=["reads"])


@router.get("/reports/{name}", response_model=None)
def report(
    request: Request,
    caller: Reader,
    name: str,
    as_of: Annotated[
        str | None, Query(description="the work as it stood then: what had happened by then")
    ] = None,
    recorded_by: Annotated[
        str | None, Query(description="the record as it stood then: what was recorded by then")
    ] = None,
    lead: str | None = None,
    since: Annotated[str | None, Query(alias="from")] = None,
    until: Annotated[str | None, Query(alias="to")] = None,
    owner: str | None = None,
    include_archived: bool = False,
    format: Annotated[str, Query(description="json, csv, md or xlsx")] = "json",
) -> dict[str, Any] | Response:
    """funnel, losses, registry, visits, overdue, conformance or activity."""
    fmt = checked_format(format)
    data = services_of(request).queries.report(
        caller.actor,
        name.strip().lower(),
        as_of,
        recorded_by=recorded_by,
        lead=lead,
        since=since,
        until=until,
        owner=owner,
        include_archived=include_archived,
    )
    if fmt == "json":
        return data
    return download(report_document(data, fmt), fmt, f"report-{data['report']}")


@router.get("/dashboard", name="api_dashboard")
def dashboard(request: Request, caller: Reader) -> dict[str, Any]:
    """What the dashboard shows: the funnel now, follow-ups overdue and due this week,
    the caller's own open deadlines."""
    return services_of(request).queries.dashboard(caller.actor)


@router.get("/deadlines")
def deadlines(request: Request, caller: Reader, overdue: bool = False) -> list[dict[str, Any]]:
    """Open follow-up deadlines (R11), earliest due first."""
    return services_of(request).queries.deadlines(caller.actor, overdue)


@router.get("/projections")
def projections(request: Request, caller: Reader) -> list[dict[str, Any]]:
    """Each view's position in the log against the log's head."""
    return services_of(request).projections.status(caller.actor)
