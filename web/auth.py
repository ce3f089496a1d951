"""Who calls: a bearer token, or a browser's session cookie. The acting user is always
the one authenticated here; no route reads an identity from a request's body."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from kaflow.application.actor import Actor
from kaflow.application.credentials import Grant, refuse_read_only
from kaflow.application.sessions import Session, Sessions
from kaflow.errors import RefusedError
from web.errors import NotSignedIn

if TYPE_CHECKING:
    from kaflow.bootstrap import Services

SESSION_COOKIE = "kaflow_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf"


@dataclass(frozen=True)
class Caller:
    actor: Actor
    grant: Grant | None = None  # by a token
    session: Session | None = None  # by a browser's session


def services_of(request: Request) -> Services:
    found: Services = request.app.state.services
    return found


def sessions_of(request: Request) -> Sessions:
    return Sessions(services_of(request).credentials, **request.app.state.session_policy)


def address_of(request: Request) -> str:
    """The client's address (behind a proxy, as uvicorn's --forwarded-allow-ips lets the
    proxy's headers say)."""
    return request.client.host if request.client else "unknown"


def secure(request: Request) -> bool:
    """Whether the browser reached us over TLS (directly, or through a proxy that says so)."""
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or forwarded == "https"


async def caller(request: Request) -> Caller:
    """The authenticated caller; 401 without a valid token or session, 403 for a user
    who holds no role now. Checked in a worker thread, as the endpoints run: its reads
    may wait for the store's connections (the library hands them out in turn, and on
    SQLite a writer waiting for another process waits in that line), and the server's
    loop must never wait (it answers /healthz meanwhile)."""
    return await run_in_threadpool(_caller, request, request.headers.get("authorization"))


def _caller(request: Request, header: str | None) -> Caller:
    services = services_of(request)
    if header:
        return _by_token(services, header)
    session = sessions_of(request).session(request.cookies.get(SESSION_COOKIE, ""))
    if session is None:
        raise NotSignedIn("sign in first")
    request.state.language = session.language  # the user's own choice, for the pages
    actor = Actor(session.user)
    services.app.authorise(actor)
    return Caller(actor, session=session)


def _by_token(services: Services, header: str) -> Caller:
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotSignedIn("send 'Authorization: Bearer TOKEN'")
    grant = services.credentials.grant(token.strip())
    if grant is None:
        raise NotSignedIn("the token is unknown, revoked or expired")
    actor = Actor(grant.user)
    services.app.authorise(actor)
    return Caller(actor, grant=grant)


async def writer(request: Request, found: Annotated[Caller, Depends(caller)]) -> Caller:
    """A caller allowed to write: not with a read-only token; with a session, only with
    its CSRF token in the X-CSRF-Token header (a form's field is checked by its page)."""
    refuse_read_only(found.grant)
    if found.session is not None:
        check_csrf(found.session, request.headers.get(CSRF_HEADER))
    return found


def check_csrf(session: Session, given: str | None) -> None:
    if not given or not hmac.compare_digest(given, session.csrf):
        raise RefusedError("the form's CSRF token is missing or wrong: reload the page",
                           rule="access")  # fmt: skip


Reader = Annotated[Caller, Depends(caller)]
Writer = Annotated[Caller, Depends(writer)]
