"""The languages kaflow speaks to people: English, and Simplified Chinese from one gettext
catalog (``kaflow/locale/zh_CN/LC_MESSAGES/messages.po``, read as it is: no compile
step), shared by every front end: the web pages and the CLI's messages."""

from __future__ import annotations

import functools
import gettext
import io
from pathlib import Path

CATALOG = Path(__file__).parents[1] / "locale" / "zh_CN" / "LC_MESSAGES" / "messages.po"
LANGUAGES = {"en": "English", "zh_CN": "中文"}


def N_(message: str) -> str:  # gettext's own name for a marked message
    """A message marked for translation, translated where it is shown."""
    return message


def code(text: str | None) -> str:
    """A language as kaflow names it (``zh``, ``zh-CN``, ``zh_CN``: ``zh_CN``), English
    for anything else."""
    return "zh_CN" if (text or "").strip().lower().replace("-", "_").startswith("zh") else "en"


@functools.cache
def translations(lang: str) -> gettext.NullTranslations:
    if lang not in LANGUAGES or lang == "en":
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with CATALOG.open("rb") as po:
        catalog = read_po(po, locale=lang)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)
