"""Output: tables for people, one JSON document for ``--json``.

Text for people passes through :func:`printable`: a control character in what someone
typed (an escape sequence, a bell, a C1 control, a bidirectional override) is shown
escaped (``\\x1b``), never sent to the terminal. And no output crashes on a console
whose encoding cannot show a character (a GBK console and ✓ or an emoji): the standard
streams replace what they cannot encode with a backslash escape, and a JSON document
escapes it as JSON does (``\\ud83d\\ude80``), so that it stays valid JSON.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

from cli.tables import lay_out, terminal_width

F = TypeVar("F", bound=Callable[..., Any])

# C0 controls but tab and newline, DEL, C1 controls, and the bidirectional controls
# that make text read other than it is stored.
_CONTROL = "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"


def printable(text: str) -> str:
    """``text`` for a terminal: its control characters escaped, newlines and tabs kept."""
    return re.sub(_CONTROL, lambda m: m[0].encode("unicode_escape").decode("ascii"), text)


def as_json_text(data: Any, *, indent: int | None = 2, encoding: str | None = None) -> str:
    """``data`` as one JSON document, every control character escaped (JSON itself
    escapes only those below U+0020); ``encoding``: what it cannot encode escaped too."""
    text = json.dumps(data, ensure_ascii=False, indent=indent, default=str)
    text = re.sub(_CONTROL, lambda m: f"\\u{ord(m[0]):04x}", text)
    return text if encoding is None else _encodable(text, encoding)


def json_for_stdout(data: Any, *, indent: int | None = 2) -> str:
    """``data`` as one JSON document that standard output's encoding can carry whole."""
    return as_json_text(data, indent=indent, encoding=getattr(sys.stdout, "encoding", None))


def _encodable(text: str, encoding: str) -> str:
    """JSON ``text`` with each character ``encoding`` cannot encode (an emoji on a GBK
    console, a lone surrogate anywhere) written as a JSON escape: valid JSON still,
    where a stream's own replacement (``\\U0001f680``) would not be."""
    try:
        text.encode(encoding)
        return text
    except UnicodeEncodeError:
        pass
    except LookupError:  # an encoding Python does not know: leave it to the stream
        return text
    return "".join(ch if _encodes(ch, encoding) else json.dumps(ch)[1:-1] for ch in text)


def _encodes(ch: str, encoding: str) -> bool:
    try:
        ch.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def tolerate_unencodable() -> None:
    """Make the standard streams replace characters their encoding cannot show."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper) and stream.errors == "strict":
            with contextlib.suppress(ValueError, io.UnsupportedOperation):  # closed ...
                stream.reconfigure(errors="backslashreplace")


tolerate_unencodable()  # every command that prints imports this module


def output_options(func: F) -> F:
    """``--json``: print one JSON document instead of text (an error too, on stdout);
    ``--wide``: tables with every row on one line, not wrapped to the terminal."""
    func = click.option(
        "--wide",
        is_flag=True,
        expose_value=False,
        callback=_remember_wide,
        help="Tables as wide as their text (default: wrapped to the terminal's width).",
    )(func)
    return click.option(
        "--json", "as_json", is_flag=True, help="Print one JSON document instead of text."
    )(func)


def _remember_wide(ctx: click.Context, _: object, value: bool) -> bool:
    ctx.meta["kaflow.wide"] = value
    return value


def _wide() -> bool:
    ctx = click.get_current_context(silent=True)
    return bool(ctx is not None and ctx.meta.get("kaflow.wide"))


def emit(as_json: bool, data: Any, text: Callable[[], str]) -> None:
    if as_json:
        click.echo(json_for_stdout(data))
    else:
        click.echo(printable(text()))


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], empty: str = "(none)") -> str:
    """Rows under their headers, fitted to the terminal (``--wide``: one line a row)."""
    if not rows:
        return empty
    cells = [[printable(str(h)) for h in headers]] + [
        ["" if v is None else printable(str(v)) for v in r] for r in rows
    ]
    if _wide():
        cells = [[" ".join(c.split()) for c in row] for row in cells]
    return lay_out(cells, None if _wide() else terminal_width())


def short(account_id: str) -> str:
    return account_id.replace("-", "")[:8]
