"""The app factory: the JSON API, the pages and their static files over one ``Services``
(the CLI's application), built from the workspace's settings; nothing at import time.
The server keeps no state of its own between requests: sessions, tokens and idempotency
keys are in the store, so several processes can serve one store."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.telemetry import TelemetryConfig

from kaflow import __version__
from kaflow.bootstrap import Services, known_error, load_settings
from kaflow.errors import KaflowError
from web.errors import NotSignedIn, body_of, not_signed_in, status_of

HERE = Path(__file__).parent
ROOT_ENV = "KAFLOW_SERVE_ROOT"  # the workspace folder, for each server process
log = logging.getLogger("kaflow.web")


def create_app(
    services: Services, *, follow: bool = True, session_policy: dict[str, Any] | None = None
) -> FastAPI:
    """The app over ``services``; ``follow``: keep the views current in a thread while
    it runs (as ``projections run`` does), so no request waits for others' writes."""
    app = FastAPI(
        title="kaflow",
        version=__version__,
        description="Key-account development: every command and query of kaflow, as the "
        "acting user that the bearer token (or the browser's session) authenticates.",
        docs_url="/api/docs",
        openapi_url="/api/openapi.json",
        redoc_url=None,
        lifespan=_lifespan(services, follow),
        telemetry=_telemetry(),
    )
    app.state.services = services
    app.state.session_policy = session_policy or {}
    _errors(app)
    from web import api, pages

    app.include_router(api.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.get("/healthz", tags=["server"])
    async def healthz() -> dict[str, Any]:
        """Whether this process serves (no sign-in needed): answered on the server's
        loop, so also while every worker thread waits for the store."""
        return {"status": "ok", "version": __version__}

    return app


def _telemetry() -> TelemetryConfig:
    """FastAPI's own OpenTelemetry, when the environment configures OpenTelemetry
    (an OTEL_ variable); else off: its check on every request costs more than routing."""
    if any(name.startswith("OTEL_") for name in os.environ):
        return TelemetryConfig()
    return TelemetryConfig(tracing=False, metrics=False, logs=False)


def from_environment() -> FastAPI:
    """For uvicorn (``kaflow serve``): the workspace named by KAFLOW_SERVE_ROOT."""
    folder = os.environ.get(ROOT_ENV) or os.getcwd()
    return create_app(Services(load_settings(folder)))


def _lifespan(services: Services, follow: bool) -> Callable[[FastAPI], Any]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        stop = _follow_log(services) if follow else None
        try:
            yield
        finally:
            if stop is not None:
                stop()
            services.close()

    return lifespan


def _follow_log(services: Services) -> Callable[[], None] | None:
    """A worker thread keeping the views current; how to stop it (None: the store's
    views cannot be written by this user, and every read catches up as it goes)."""
    try:
        worker = services.worker(log.info, log.warning, poll=0.5)
    except KaflowError as error:
        log.warning("views are caught up by each read: %s", error)
        return None

    def run() -> None:
        try:
            worker.run()
        except Exception as error:  # reads still catch the views up themselves
            log.warning("the views' worker stopped: %s", error)

    thread = threading.Thread(target=run, name="kaflow-views", daemon=True)
    thread.start()

    def stop() -> None:
        worker.stop()
        thread.join(30)

    return stop


def _api(request: Request) -> bool:
    return "/api/" in request.url.path


def _errors(app: FastAPI) -> None:
    @app.exception_handler(KaflowError)
    async def kaflow_error(request: Request, error: KaflowError) -> Response:
        return JSONResponse(body_of(error), status_code=status_of(error))

    @app.exception_handler(NotSignedIn)
    async def signed_out(request: Request, error: NotSignedIn) -> Response:
        if not _api(request) and request.method == "GET":
            return RedirectResponse(request.url_for("login_page").include_query_params(
                next=request.url.path), status_code=303)  # fmt: skip
        headers = {"WWW-Authenticate": 'Bearer realm="kaflow"'}
        return JSONResponse(not_signed_in(error.message), status_code=401, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, error: RequestValidationError) -> Response:
        first = error.errors()[0] if error.errors() else {}
        where = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path")]
        body = {
            "error": f"{'.'.join(where) or 'request'}: {first.get('msg', 'invalid')}",
            "kind": "bad_input",
            "rule": None,
            "field": where[0] if where else None,
        }
        return JSONResponse(body, status_code=400)

    @app.exception_handler(Exception)
    async def other(request: Request, error: Exception) -> Response:
        found = known_error(error)
        if found is None:
            log.exception("unexpected error", exc_info=error)
            body = {"error": "internal error", "kind": "internal", "rule": None, "field": None}
            return JSONResponse(body, status_code=500)
        return JSONResponse(body_of(found), status_code=status_of(found))
