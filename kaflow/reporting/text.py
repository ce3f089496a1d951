"""Text for people: terminal widths and durations. Imports nothing heavy: every
command renders with it."""

from __future__ import annotations


def width(text: str) -> int:
    """Terminal columns: East Asian wide characters take two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def span(seconds: float, lang: str = "en") -> str:
    """A duration, to its two largest units: '2 d 3 h', '5 h 12 min', '40 s' (or
    '2天3小时' ...)."""
    days, rest = divmod(max(int(seconds), 0), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    d, h, m, s = ("天", "小时", "分钟", "秒") if lang == "zh" else (" d", " h", " min", " s")
    join = "" if lang == "zh" else " "
    if days:
        return f"{days}{d}{join}{hours}{h}"
    if hours:
        return f"{hours}{h}{join}{minutes}{m}"
    return f"{minutes}{m}" if minutes else f"{secs}{s}"
