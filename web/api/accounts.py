"""``/api/v1/accounts``: list (the CLI's filters), add, show, history, analysis and the
development record. An account carries an ETag: its version."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from kaflow.application import commands as c
from web.api.documents import checked_format, checked_lang, download
from web.auth import Reader, Writer, services_of

router = APIRouter(prefix="/accounts", tags=["accounts"])
PAGE_MAX = 500


def etag(version: int) -> str:
    return f'"{version}"'


class NewAccount(BaseModel):
    """What ``prospect add`` takes (R1)."""

    model_config = ConfigDict(extra="forbid")
    name: str
    category: str = Field(description="existing or potential")
    nature: str = ""
    product_line: str = ""
    service: str = ""
    owner: str | None = Field(None, description="the responsible salesperson (default: you)")
    allow_duplicate: bool = False
    at: str | None = Field(None, description="when it was identified (default: now)")


@router.get("")
def list_accounts(
    request: Request,
    caller: Reader,
    state: str | None = None,
    search: str | None = None,
    category: str | None = None,
    owner: str | None = None,
    mine: bool = False,
    idle: Annotated[str | None, Query(description="ISO 8601, e.g. P14D")] = None,
    sort: str | None = None,
    include_archived: bool = False,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=PAGE_MAX)] = 100,
) -> dict[str, Any]:
    """The accounts matching every filter given, a page at a time (``total``: how many
    match in all)."""
    page = services_of(request).queries.accounts(
        caller.actor,
        state,
        search=search,
        category=category,
        owner=owner,
        mine=mine,
        idle=idle,
        sort=sort,
        include_archived=include_archived,
        limit=limit,
        offset=offset,
    )
    return dict(page)


@router.post("", status_code=201)
def add_account(request: Request, caller: Writer, body: NewAccount) -> JSONResponse:
    """Identify and classify a prospect (R1)."""
    services = services_of(request)
    fields = body.model_dump(exclude={"at"}, exclude_none=True)
    cmd = c.IdentifyProspect.validate(
        {**fields, "occurred_at": services.queries.moment(body.at, "occurred_at")}
    )
    new_id = services.app.identify(caller.actor, cmd)
    data = services.queries.account(caller.actor, new_id)
    headers = {"Location": f"{request.url.path}/{new_id}", "ETag": etag(data["version"])}
    return JSONResponse(data, status_code=201, headers=headers)


def account_id(request: Request, caller: Reader | Writer, text: str) -> UUID:
    return services_of(request).queries.account_id(caller.actor, text)


@router.get("/{account}")
def show_account(
    request: Request,
    response: Response,
    caller: Reader,
    account: str,
    as_of: str | None = None,
    recorded_by: str | None = None,
) -> dict[str, Any]:
    """One account (by id, a unique id prefix, or its exact name): now, or as it stood."""
    pid = account_id(request, caller, account)
    data = services_of(request).queries.account(caller.actor, pid, as_of, recorded_by)
    if as_of is None and recorded_by is None:
        response.headers["ETag"] = etag(data["version"])
    return data


@router.get("/{account}/history")
def account_history(
    request: Request,
    caller: Reader,
    account: str,
    as_of: str | None = None,
    recorded_by: str | None = None,
) -> dict[str, Any]:
    """Every event: who, in what role, when it happened and when it was recorded."""
    pid = account_id(request, caller, account)
    return services_of(request).queries.history(caller.actor, pid, as_of, recorded_by)


@router.get("/{account}/analysis")
def account_analysis(request: Request, caller: Reader, account: str) -> dict[str, Any]:
    """The latest analysis (R2, R3), in the form the analyse step takes."""
    pid = account_id(request, caller, account)
    return services_of(request).queries.analysis(caller.actor, pid)


@router.get("/{account}/record", response_model=None)
def account_record(
    request: Request,
    caller: Reader,
    account: str,
    as_of: str | None = None,
    recorded_by: str | None = None,
    format: Annotated[str, Query(description="json, csv, md or xlsx")] = "json",
    lang: Annotated[str, Query(description="en, or zh: the form's own labels")] = "en",
) -> dict[str, Any] | Response:
    """The development record (R14, 大客户开发备案表): JSON, or the form as a file."""
    from kaflow.reporting.ledger import document

    fmt, lang = checked_format(format), checked_lang(lang)
    services = services_of(request)
    pid = account_id(request, caller, account)
    data = services.queries.ledger(caller.actor, pid, as_of, recorded_by)
    if fmt == "json":
        return data
    settings = services.settings
    doc = document(data, lang, settings.timezone, settings.currency)
    return download(doc, fmt, f"record-{str(pid)[:8]}")
