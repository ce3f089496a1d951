"""The pages' languages: English, and Simplified Chinese from a gettext catalog
(``locale/zh_CN/LC_MESSAGES/messages.po``, read as it is: no compile step). The language
is the user's own choice (the switch keeps it in a cookie), else the browser's
Accept-Language, else English."""

from __future__ import annotations

import functools
import gettext
import io
from pathlib import Path

from fastapi import Request
from jinja2 import Environment, FileSystemLoader, select_autoescape

HERE = Path(__file__).parent
LANGUAGES = {"en": "English", "zh_CN": "中文"}
COOKIE = "kaflow_lang"
CATALOG = HERE / "locale" / "zh_CN" / "LC_MESSAGES" / "messages.po"


def N_(message: str) -> str:  # gettext's own name for a marked message
    """A message marked for translation, translated where it is shown."""
    return message


@functools.cache
def translations(lang: str) -> gettext.NullTranslations:
    if lang == "en":
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with CATALOG.open("rb") as po:
        catalog = read_po(po, locale=lang)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


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
    """The language of a request's pages."""
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
