"""The pages: server-rendered (Jinja2), a little htmx, in the user's language. Every page
reads through the same application queries as its JSON twin in ``/api/v1``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from kaflow.application import words
from kaflow.errors import KaflowError
from web.errors import status_of
from web.i18n import LANGUAGES, environment, gettext_for, language

router = APIRouter(include_in_schema=False)


def render(
    request: Request, template: str, context: dict[str, Any], status: int = 200
) -> HTMLResponse:
    """A page in the request's language, with what every page shows."""
    from web.auth import services_of

    lang = language(request)
    settings = services_of(request).settings
    zone = settings.timezone

    def when(moment: str | None) -> str:
        if not moment:
            return "-"
        return datetime.fromisoformat(moment).astimezone(zone).strftime("%Y-%m-%d %H:%M")

    def code(text: str | None) -> str:
        """A recorded code (a state, a channel) in the page's language."""
        from kaflow.reporting.export import value

        return value(text, "zh" if lang == "zh_CN" else "en")

    page = environment(lang).get_template(template)
    html = page.render(
        request=request,
        lang=lang,
        languages=LANGUAGES,
        when=when,
        code=code,
        words=words,
        url=lambda route, /, **params: str(request.url_for(route, **params)),
        static=lambda path: str(request.url_for("static", path=path)),
        **context,
    )
    return HTMLResponse(html, status_code=status)


def refusal(request: Request, error: KaflowError) -> dict[str, Any]:
    """A refusal as a page shows it: its rule's words and its kind in the user's
    language, and the application's own message beneath (which names the rule)."""
    t = gettext_for(language(request)).gettext
    headline = words.RULES.get(error.rule or "") or words.KINDS[error.kind.value]
    return {
        "status": status_of(error),
        "rule": error.rule,
        "headline": t(headline),
        "detail": error.render(lambda f: f"'{t(words.FIELDS.get(f, f))}'", lambda s: s),
        "field": error.field,
    }


def _include() -> None:
    from web.pages import adding, forms, login, people, reports, views

    router.include_router(login.router)
    router.include_router(adding.router)  # before /accounts/{account}: /accounts/new
    router.include_router(views.router)
    router.include_router(reports.router)
    router.include_router(people.router)
    router.include_router(forms.router)


_include()
