"""The one clock, and how a user's WHEN becomes a zone-aware time."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that moves only when told: for tests and ``--now``."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FixedClock needs a zone-aware time")
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, by: timedelta) -> None:
        self._now += by


def parse_when(text: str, zone: tzinfo, *, end_of_day: bool = False) -> datetime:
    """ISO 8601 date or date-time; without a zone it means the workspace's zone.

    A bare date means its first instant, or its last with ``end_of_day`` ("as of a
    date" includes that day). Raises ValueError with a message fit for a user.
    """
    raw = text.strip()
    try:
        if len(raw) == 10:
            parsed = datetime.combine(date.fromisoformat(raw), time.max if end_of_day else time())
        else:
            parsed = datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(
            f"'{text}' is not an ISO 8601 date or time (e.g. 2026-11-02 or 2026-11-02T14:30+08:00)"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    try:
        return parsed.astimezone(zone)
    except (OverflowError, ValueError):
        raise ValueError(f"'{text}' is out of range") from None


_DURATION = re.compile(
    r"^P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$"
)


def parse_duration(text: str) -> timedelta:
    """An ISO 8601 duration in weeks, days, hours, minutes, seconds (P7D, PT36H, P1DT12H).

    Months and years are refused: their length varies. Raises ValueError for a user.
    """
    found = _DURATION.match(text.strip().upper())
    if not found or text.strip().upper() in ("P", "PT") or text.strip().upper().endswith("T"):
        raise ValueError(f"'{text}' is not an ISO 8601 duration in weeks, days or hours (e.g. P7D)")
    return timedelta(**{unit: int(n) for unit, n in found.groupdict().items() if n})
