"""The pages that read: the dashboard, the accounts, an account. Each shows what the
application's queries answer (its JSON twin is under /api/v1), nothing computed here
but the layout."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from kaflow.errors import KaflowError
from web.auth import Caller, caller, services_of
from web.i18n import language
from web.pages import refusal, render

router = APIRouter()
Signed = Annotated[Caller, Depends(caller)]
PAGE = 25
STEP_PAGES = ("approach", "contact", "conference", "prepare", "visit", "follow-up", "win",
              "lose", "reopen", "analyse")  # fmt: skip


def _common(found: Caller) -> dict[str, Any]:
    session = found.session
    return {"user": found.actor.name, "csrf": session.csrf if session else ""}


@router.get("/", name="dashboard", response_class=HTMLResponse)
def dashboard(request: Request, found: Signed) -> HTMLResponse:
    board = services_of(request).queries.dashboard(found.actor)
    widest = max([r["reached"] for r in board["funnel"]] + [1])
    context = {**board, "widest": widest, **_common(found)}
    return render(request, "dashboard.html", context)


@router.get("/accounts", name="accounts_page", response_class=HTMLResponse)
def accounts_page(
    request: Request,
    found: Signed,
    search: str | None = None,
    state: str | None = None,
    category: str | None = None,
    owner: str | None = None,
    mine: bool = False,
    page: Annotated[int, Query(ge=1)] = 1,
) -> HTMLResponse:
    filters: dict[str, Any] = {"search": search or None, "category": category or None,
               "owner": owner or None, "mine": mine}  # fmt: skip
    error = None
    rows: list[dict[str, Any]] = []
    total = 0
    try:
        found_page = services_of(request).queries.accounts(
            found.actor, state or None, **filters, limit=PAGE, offset=(page - 1) * PAGE
        )
        rows, total = found_page["accounts"], found_page["total"]
    except KaflowError as e:
        error = refusal(request, e)
    context = {
        "rows": rows,
        "total": total,
        "page": page,
        "pages": max(1, -(-total // PAGE)),
        "filters": {**filters, "state": state or ""},
        "error": error,
        **_common(found),
    }
    template = "accounts_rows.html" if request.headers.get("HX-Request") else "accounts.html"
    return render(request, template, context)


@router.get("/accounts/{account}", name="account_page", response_class=HTMLResponse)
def account_page(request: Request, found: Signed, account: str) -> HTMLResponse:
    from kaflow.reporting.ledger import document

    services = services_of(request)
    queries = services.queries
    pid = queries.account_id(found.actor, account)
    data = queries.account(found.actor, pid)
    history = queries.history(found.actor, pid)
    lang = "zh" if language(request) == "zh_CN" else "en"
    record = document(
        queries.ledger(found.actor, pid), lang, services.settings.timezone,
        services.settings.currency,
    )  # fmt: skip
    context = {
        "account": data,
        "steps": [s for s in data["next"] if s in STEP_PAGES],
        "events": list(reversed(history["events"])),
        "record": record,
        "record_lang": lang,
        **_common(found),
    }
    return render(request, "account.html", context)
