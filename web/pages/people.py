"""The pages about people: the users and their roles, and the signed-in user's API
tokens (an owner sees everyone's): list, create (shown once), revoke. They read and
write through the application as their JSON twins do (``/api/v1/users``,
``/api/v1/tokens``); a refusal is shown on the page in the user's language."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from kaflow.application.credentials import refuse_read_only
from kaflow.errors import KaflowError
from web.auth import CSRF_FIELD, check_csrf, services_of
from web.i18n import N_
from web.pages import refusal, render
from web.pages.views import Signed, _common

router = APIRouter()

ROLES = {
    "sales": N_("sales"),
    "manager": N_("manager"),
    "director": N_("director"),
    "owner": N_("owner"),
}
EXPIRIES = {
    "": N_("Never"),
    "P30D": N_("30 days"),
    "P90D": N_("90 days"),
    "P365D": N_("a year"),
}


@router.get("/users", name="users_page", response_class=HTMLResponse)
def users_page(request: Request, found: Signed) -> HTMLResponse:
    """The users and their roles, as ``/api/v1/users`` answers."""
    users = services_of(request).queries.users(found.actor)
    return render(request, "users.html", {"users": users, "roles": ROLES, **_common(found)})


def _owner(request: Request, found: Any) -> bool:
    """Whether the signed-in user holds the owner's role now (the directory says)."""
    me = services_of(request).queries.user(found.actor, found.actor.name)
    return bool(me["role"] == "owner")


def _tokens(
    request: Request,
    found: Any,
    everyone: bool,
    new: dict[str, Any] | None = None,
    error: dict[str, Any] | None = None,
) -> HTMLResponse:
    credentials = services_of(request).credentials
    try:
        rows = credentials.tokens(found.actor, everyone)
    except KaflowError as e:
        rows, error, everyone = credentials.tokens(found.actor), refusal(request, e), False
    context = {
        "tokens": rows,
        "everyone": everyone,
        "owner": _owner(request, found),
        "new": new,
        "error": error,
        "expiries": EXPIRIES,
        **_common(found),
    }
    return render(request, "tokens.html", context, error["status"] if error else 200)


@router.get("/tokens", name="tokens_page", response_class=HTMLResponse)
def tokens_page(request: Request, found: Signed, all: bool = False) -> HTMLResponse:
    """The signed-in user's tokens (``all``: everyone's, for an owner); never a secret."""
    return _tokens(request, found, all)


@router.post("/tokens", name="token_create", response_class=HTMLResponse)
async def token_create(request: Request, found: Signed) -> HTMLResponse:
    """A token for the signed-in user, shown on this page once."""
    refuse_read_only(found.grant)
    form = await request.form()
    if found.session is not None:
        check_csrf(found.session, str(form.get(CSRF_FIELD, "")))
    name = str(form.get("name", ""))
    expires = str(form.get("expires", "")) or None
    read_only = str(form.get("read_only", "")) == "true"
    from starlette.concurrency import run_in_threadpool

    credentials = services_of(request).credentials
    try:
        new = await run_in_threadpool(credentials.issue_token, found.actor, name, expires,
                                      read_only)  # fmt: skip
    except KaflowError as e:
        return _tokens(request, found, False, error=refusal(request, e))
    return _tokens(request, found, False, new=new)


@router.post("/tokens/{token_id}/revoke", name="token_revoke")
async def token_revoke(request: Request, found: Signed, token_id: str) -> Response:
    """Revoke a token (one's own; an owner anyone's), then back to the list."""
    refuse_read_only(found.grant)
    form = await request.form()
    if found.session is not None:
        check_csrf(found.session, str(form.get(CSRF_FIELD, "")))
    everyone = str(form.get("all", "")) == "true"
    from starlette.concurrency import run_in_threadpool

    credentials = services_of(request).credentials
    try:
        await run_in_threadpool(credentials.revoke_token, found.actor, token_id)
    except KaflowError as e:
        return _tokens(request, found, everyone, error=refusal(request, e))
    target = request.url_for("tokens_page")
    if everyone:
        target = target.include_query_params(all="true")
    return RedirectResponse(target, status_code=303)
