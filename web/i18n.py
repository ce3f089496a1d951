"""The pages' languages: English, and Simplified Chinese from a gettext catalog
(``locale/zh_CN/LC_MESSAGES/messages.po``, read as it is: no compile step). The language
is the signed-in user's setting (the switch records it, as does 'kaflow user edit
--language'), else this browser's (the switch keeps it in a cookie before signing in),
else the browser's Accept-Language, else English."""

from __future__ import annotations

import functools
import gettext
from pathlib import Path

from fastapi import Request
from jinja2 import Environment, FileSystemLoader, select_autoescape

from kaflow.application.language import CATALOG, LANGUAGES, N_, translations

HERE = Path(__file__).parent
COOKIE = "kaflow_lang"
__all__ = ["CATALOG", "LANGUAGES", "N_", "environment", "gettext_for", "language"]


@functools.cache
def environment(lang: str) -> Environment:
    """Templates in one language (one environment each: gettext is installed per
    environment)."""
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    return env


def language(request: Request) -> str:
    """The language of a request's pages: the signed-in user's setting, else this
    browser's switch, else its Accept-Language, else English."""
    setting = getattr(request.state, "language", None)
    if setting in LANGUAGES:
        return str(setting)
    chosen = request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return chosen
    for part in request.headers.get("accept-language", "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh_CN"
        if tag.startswith("en"):
            return "en"
    return "en"


def gettext_for(lang: str) -> gettext.NullTranslations:
    return translations(lang if lang in LANGUAGES else "en")
