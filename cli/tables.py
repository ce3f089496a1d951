"""Tables that fit the terminal: long text wraps within its column (East Asian wide
characters count two columns, and Chinese text breaks between any two characters);
``--wide`` keeps every row on one line, whatever its length."""

from __future__ import annotations

import os
import re

from kaflow.reporting.text import width

GAP = "  "
NARROWEST = 8  # a column is not wrapped narrower than this (or its header's longest word)
WHOLE_WORD = 20  # nor narrower than its longest word (a number, a date, an id), to this
# A wide character, a run of other non-space characters, or a run of spaces.
_WIDE = "\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef"  # CJK, Hangul, full-width
_TOKENS = f"[{_WIDE}]|[^\\s{_WIDE}]+|\\s+"  # compiled by re on first use, and kept


def terminal_width() -> int:
    """The terminal's columns ($COLUMNS first; 100 when not a terminal)."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit():
        return max(int(columns), 20)
    try:
        return max(os.get_terminal_size(1).columns, 20)
    except OSError:  # not a terminal
        return 100


def fit(cells: list[list[str]], limit: int | None) -> list[int]:
    """Column widths: as wide as their longest cell, or, to fit in ``limit`` columns,
    the widest columns narrowed first, none below its header's longest word,
    ``NARROWEST``, or its longest unbreakable word up to ``WHOLE_WORD`` columns (so
    that ``140000.00`` or ``2026-12-03`` is never split)."""
    widths = [
        max(width(line) for row in cells for line in row[i].split("\n"))
        for i in range(len(cells[0]))
    ]
    if limit is None:
        return widths
    floors = [
        min(w, max([NARROWEST, _longest_word(cells, i), *(width(word) for word in h.split())]))
        for i, (w, h) in enumerate(zip(widths, cells[0], strict=True))
    ]
    excess = sum(widths) + len(GAP) * (len(widths) - 1) - limit
    while excess > 0:
        i = max(range(len(widths)), key=lambda n: widths[n] - floors[n])
        if widths[i] <= floors[i]:
            break  # as narrow as it goes: the terminal wraps the rest
        widths[i] -= 1
        excess -= 1
    return widths


def _longest_word(cells: list[list[str]], column: int) -> int:
    """The widest word of a column's cells (a wide character is a word of its own:
    Chinese text breaks between any two), at most ``WHOLE_WORD``."""
    longest = 0
    for row in cells[1:]:
        for token in re.findall(_TOKENS, row[column]):
            if token.isspace():
                continue
            longest = max(longest, min(width(token), WHOLE_WORD))
            if longest == WHOLE_WORD:
                return longest
    return longest


def wrap(text: str, columns: int) -> list[str]:
    """``text`` in lines of at most ``columns`` terminal columns, broken at spaces
    (between any two wide characters), a word longer than a line cut where it must."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for token in re.findall(_TOKENS, paragraph):
            if token.isspace():
                if line and width(line) < columns:
                    line += " "
                continue
            while width(token) > columns:  # longer than a whole line: cut it
                room = columns - width(line)
                if room <= 0:
                    lines.append(line.rstrip())
                    line, room = "", columns
                head = _take(token, room)
                line += head
                token = token[len(head) :]
            if width(line + token) > columns:
                lines.append(line.rstrip())
                line = ""
            line += token
        lines.append(line.rstrip())
    return lines


def _take(text: str, columns: int) -> str:
    taken = ""
    for ch in text:
        if width(taken + ch) > columns:
            break
        taken += ch
    return taken or text[:1]


def lay_out(cells: list[list[str]], limit: int | None) -> str:
    """The header, a rule, and the rows; each row as many lines as its longest cell."""
    widths = fit(cells, limit)
    out = []
    for n, row in enumerate(cells):
        wrapped = [
            wrap(c, w) if limit is not None else c.split("\n")
            for c, w in zip(row, widths, strict=True)
        ]
        for k in range(max(len(w) for w in wrapped)):
            parts = [(w[k] if k < len(w) else "") for w in wrapped]
            line = GAP.join(p + " " * (w - width(p)) for p, w in zip(parts, widths, strict=True))
            out.append(line.rstrip())
        if n == 0:
            out.append(GAP.join("-" * w for w in widths))
    return "\n".join(out)
