"""The form that adds an account (R1), as ``POST /api/v1/accounts`` does: the
application's own command, a refusal (a likely duplicate, a missing field) shown beside
the form in the user's language, nothing written on any refusal."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from kaflow.application import commands as c
from kaflow.application.credentials import refuse_read_only
from kaflow.errors import KaflowError
from web.auth import CSRF_FIELD, check_csrf, services_of
from web.i18n import N_
from web.pages import refusal, render
from web.pages.views import Signed, _common

router = APIRouter()
LABELS = {
    "name": N_("Name"),
    "category": N_("Category"),
    "nature": N_("Nature"),
    "product_line": N_("Product line"),
    "service": N_("Service needs"),
    "owner": N_("Owner (default: you)"),
}
REQUIRED = ("name", "category", "nature")


def _page(
    request: Request, found: Any, values: dict[str, str], error: dict[str, Any] | None = None
) -> HTMLResponse:
    context = {
        "labels": LABELS,
        "required": REQUIRED,
        "categories": [m.value for m in c.Category],
        "values": values,
        "error": error,
        **_common(found),
    }
    return render(request, "new_account.html", context, error["status"] if error else 200)


@router.get("/accounts/new", name="new_account_page", response_class=HTMLResponse)
def new_account_page(request: Request, found: Signed) -> HTMLResponse:
    return _page(request, found, {})


@router.post("/accounts/new", name="new_account")
async def new_account(request: Request, found: Signed) -> Response:
    refuse_read_only(found.grant)
    form = await request.form()
    if found.session is not None:
        check_csrf(found.session, str(form.get(CSRF_FIELD, "")))
    values = {k: str(v) for k, v in form.items() if k != CSRF_FIELD}
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(_add, request, found, values)


def _add(request: Request, found: Any, values: dict[str, str]) -> Response:
    services = services_of(request)
    fields: dict[str, Any] = {k: values.get(k, "").strip() for k in LABELS}
    if not fields["owner"]:
        fields.pop("owner")
    fields["allow_duplicate"] = values.get("allow_duplicate") == "true"
    try:
        moment = services.queries.moment(values.get("at") or None, "occurred_at")
        cmd = c.IdentifyProspect.validate({**fields, "occurred_at": moment})
        new_id = services.app.identify(found.actor, cmd)
    except KaflowError as error:
        return _page(request, found, values, refusal(request, error))
    return RedirectResponse(request.url_for("account_page", account=str(new_id)), status_code=303)
