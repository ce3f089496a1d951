"""Signing in and out, and the language switch. The sign-in form carries a CSRF token of
its own (a cookie and a field that must match); a session's forms carry the session's."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from kaflow.application.actor import Actor
from kaflow.errors import KaflowError, RefusedError
from web.auth import (
    CSRF_FIELD,
    SESSION_COOKIE,
    address_of,
    check_csrf,
    secure,
    sessions_of,
)
from web.i18n import COOKIE, LANGUAGES
from web.pages import refusal, render

router = APIRouter()
LOGIN_CSRF = "kaflow_login_csrf"
YEAR = 365 * 24 * 3600


def _local(request: Request, target: str | None) -> str:
    """Where to go after signing in: a path of this site only (else the dashboard)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return str(request.url_for("dashboard").path)
    return target


def _login_form(
    request: Request, next_page: str, error: dict[str, object] | None = None, status: int = 200
) -> HTMLResponse:
    token = request.cookies.get(LOGIN_CSRF) or secrets.token_urlsafe(24)
    page = render(request, "login.html", {"csrf": token, "next": next_page, "error": error}, status)
    page.set_cookie(LOGIN_CSRF, token, httponly=True, samesite="lax", secure=secure(request))
    return page


@router.get("/login", name="login_page")
def login_page(request: Request, next: str | None = None) -> HTMLResponse:
    return _login_form(request, _local(request, next))


@router.post("/login", name="login")
def login(
    request: Request,
    user: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    expected = request.cookies.get(LOGIN_CSRF, "")
    if not expected or not hmac.compare_digest(csrf, expected):
        forged = RefusedError("the form's CSRF token is missing or wrong: reload the page",
                              rule="access")  # fmt: skip
        return _login_form(request, _local(request, next), refusal(request, forged), 403)
    try:
        session = sessions_of(request).sign_in(user, password, address_of(request))
    except KaflowError as error:
        found = refusal(request, error)
        return _login_form(request, _local(request, next), found, int(str(found["status"])))
    page = RedirectResponse(_local(request, next), status_code=303)
    page.set_cookie(
        SESSION_COOKIE, session.key, httponly=True, samesite="lax", secure=secure(request)
    )
    page.delete_cookie(LOGIN_CSRF)
    return page


@router.post("/logout", name="logout")
def logout(request: Request, csrf: Annotated[str, Form(alias=CSRF_FIELD)] = "") -> Response:
    from web.auth import check_csrf

    sessions = sessions_of(request)
    key = request.cookies.get(SESSION_COOKIE, "")
    session = sessions.session(key)
    if session is not None:
        check_csrf(session, csrf)
        sessions.sign_out(key, address_of(request))
    page = RedirectResponse(request.url_for("login_page"), status_code=303)
    page.delete_cookie(SESSION_COOKIE)
    return page


@router.get("/lang/{code}", name="language")
def choose_language(request: Request, code: str, next: str | None = None) -> Response:
    """This browser's language, before signing in (a cookie)."""
    page = RedirectResponse(_local(request, next), status_code=303)
    if code in LANGUAGES:
        page.set_cookie(COOKIE, code, max_age=YEAR, samesite="lax", secure=secure(request))
    return page


@router.post("/lang/{code}", name="set_language")
def set_language(
    request: Request,
    code: str,
    csrf: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    """The signed-in user's language, wherever they sign in (their setting), and this
    browser's."""
    key = request.cookies.get(SESSION_COOKIE, "")
    sessions = sessions_of(request)
    session = sessions.session(key)
    if session is None:
        return choose_language(request, code, next)
    check_csrf(session, csrf)
    if code in LANGUAGES:
        sessions.credentials.set_language(Actor(session.user), session.user, code)
    return choose_language(request, code, next)
