"""Output: tables for people, one JSON document for ``--json``."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

from kaflow.reporting.text import width

F = TypeVar("F", bound=Callable[..., Any])


def output_options(func: F) -> F:
    """``--json``: print one JSON document instead of text (an error too, on stdout)."""
    return click.option(
        "--json", "as_json", is_flag=True, help="Print one JSON document instead of text."
    )(func)


def emit(as_json: bool, data: Any, text: Callable[[], str]) -> None:
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    else:
        click.echo(text())


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], empty: str = "(none)") -> str:
    if not rows:
        return empty
    cells = [[str(h) for h in headers]] + [["" if v is None else str(v) for v in r] for r in rows]
    widths = [max(width(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for n, row in enumerate(cells):
        line = "  ".join(c + " " * (w - width(c)) for c, w in zip(row, widths, strict=True))
        lines.append(line.rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def short(account_id: str) -> str:
    return account_id.replace("-", "")[:8]
