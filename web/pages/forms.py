"""A form for each step: its fields from the command itself, refusals shown beside the
form in the user's language (naming the rule), nothing written on any refusal."""

from __future__ import annotations

import dataclasses
import enum
import typing
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from kaflow.application.commands import LONG_TEXT_MAX
from kaflow.errors import BadInputError, KaflowError
from web.api.steps import STEPS
from web.auth import CSRF_FIELD, check_csrf, services_of
from web.pages import refusal, render
from web.pages.views import STEP_PAGES, Signed, _common

router = APIRouter()
_OWN = {"prospect_id", "occurred_at"}


def form_fields(name: str) -> list[dict[str, Any]]:
    """The step's fields as a form shows them: a choice, a long text, or a line."""
    command = STEPS[name]
    hints = typing.get_type_hints(command, include_extras=True)
    fields = []
    for f in dataclasses.fields(command):
        if f.name in _OWN:
            continue
        hint = hints[f.name]
        metadata = getattr(hint, "__metadata__", ())
        base = typing.get_args(hint)[0] if metadata else hint
        kind, choices = "line", []
        if isinstance(base, type) and issubclass(base, enum.Enum):
            kind, choices = "choice", [m.value for m in base]
        elif f.name == "analysis":
            kind = "yaml"
        elif metadata and metadata[0].get("max_length") == LONG_TEXT_MAX:
            kind = "text"
        required = f.default is dataclasses.MISSING
        fields.append({"name": f.name, "kind": kind, "choices": choices, "required": required})
    return fields


def _page(
    request: Request,
    found: Any,
    name: str,
    account: dict[str, Any],
    values: dict[str, str],
    error: dict[str, Any] | None = None,
) -> HTMLResponse:
    context = {
        "step": name,
        "account": account,
        "fields": form_fields(name),
        "values": values,
        "error": error,
        **_common(found),
    }
    return render(request, "step.html", context, error["status"] if error else 200)


def _known(name: str) -> None:
    if name not in STEP_PAGES:
        raise BadInputError(f"no step {name!r}", field="step")


@router.get("/accounts/{account}/steps/{name}", name="step_page", response_class=HTMLResponse)
def step_page(request: Request, found: Signed, account: str, name: str) -> HTMLResponse:
    _known(name)
    queries = services_of(request).queries
    pid = queries.account_id(found.actor, account)
    values: dict[str, str] = {}
    if name == "analyse":
        from kaflow.application.analysis import TEMPLATE

        values["analysis"] = TEMPLATE.read_text(encoding="utf-8")
    return _page(request, found, name, queries.account(found.actor, pid), values)


@router.post("/accounts/{account}/steps/{name}", name="step_post")
async def step_post(request: Request, found: Signed, account: str, name: str) -> Response:
    _known(name)
    form = await request.form()
    values = {k: str(v) for k, v in form.items() if k != CSRF_FIELD}
    if found.session is not None:
        check_csrf(found.session, str(form.get(CSRF_FIELD, "")))
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(_record, request, found, account, name, values)


def _record(
    request: Request, found: Any, account: str, name: str, values: dict[str, str]
) -> Response:
    services = services_of(request)
    queries = services.queries
    pid = queries.account_id(found.actor, account)
    fields: dict[str, Any] = {k: v for k, v in values.items() if k != "at" and v != ""}
    try:
        if "analysis" in fields and name == "analyse":
            fields["analysis"] = _parsed(fields["analysis"])
        moment = queries.moment(values.get("at") or None, "occurred_at")
        cmd = STEPS[name].validate({**fields, "prospect_id": pid, "occurred_at": moment})
        services.app.handle(found.actor, cmd)
    except KaflowError as error:
        data = queries.account(found.actor, pid)
        return _page(request, found, name, data, values, refusal(request, error))
    return RedirectResponse(request.url_for("account_page", account=str(pid)), status_code=303)


def _parsed(text: str) -> Any:
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise BadInputError(f"the analysis is not YAML or JSON: {e}", field="analysis") from None
