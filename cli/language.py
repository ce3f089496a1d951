"""The language the CLI speaks: KAFLOW_LANG, else ``language`` in kaflow.toml, else
English; its words come from the one catalog every front end reads
(``kaflow/locale/zh_CN/LC_MESSAGES/messages.po``, marked in kaflow/application/words.py)."""

from __future__ import annotations

import os

import click

from kaflow.application.language import code, translations


def language() -> str:
    """``en`` or ``zh_CN``: KAFLOW_LANG, else the workspace's setting, else English (also
    where there is no workspace to read)."""
    from cli.context import Env

    lang = os.environ.get("KAFLOW_LANG")
    if lang is None:
        ctx = click.get_current_context(silent=True)
        env = ctx.find_object(Env) if ctx is not None else None
        try:
            lang = env.settings.language if env is not None else None
        except Exception:  # no workspace here: English
            lang = None
    return code(lang)


def say(message: str, **values: object) -> str:
    """A marked message in the CLI's language, its ``%(name)s`` places filled."""
    said = translations(language()).gettext(message)
    return said % values if values else said


def state(name: str) -> str:
    """An account's state as people read it: its own name in English (``followed_up``,
    as the JSON and the filters spell it), the catalog's word in Chinese."""
    from kaflow.application.words import STATES

    if language() == "en" or name not in STATES:
        return name
    return say(STATES[name])
