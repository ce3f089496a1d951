"""The one clock, and how a user's WHEN becomes a zone-aware time."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
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


EARLIEST, LATEST = 1900, 2999  # beyond these, a date is a typing mistake


def parse_when(
    text: str, zone: tzinfo, *, end_of_day: bool = False, today: date | None = None
) -> datetime:
    """ISO 8601 date, date-time or (with ``today``) time of day; without a zone it means
    the workspace's zone.

    A bare date means its first instant, or its last with ``end_of_day`` ("as of a
    date" includes that day). Raises ValueError with a message fit for a user.
    """
    raw = text.strip()
    try:
        parsed = _parse(raw, end_of_day, today)
    except ValueError:
        raise ValueError(
            f"'{text}' is not an ISO 8601 date or time (e.g. 2026-11-02 or 2026-11-02T14:30+08:00)"
        ) from None
    if not EARLIEST <= parsed.year <= LATEST:
        raise ValueError(f"'{text}' is out of range ({EARLIEST} to {LATEST})")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    # Through UTC and back: a local time that does not exist (a daylight-saving gap)
    # becomes the real instant it names, shown as the clock then read.
    return parsed.astimezone(UTC).astimezone(zone)


def _parse(raw: str, end_of_day: bool, today: date | None) -> datetime:
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        pass
    else:
        return datetime.combine(day, time.max if end_of_day else time())
    if today is not None and _TIME_OF_DAY.match(raw):
        return datetime.combine(today, time.fromisoformat(raw))
    return datetime.fromisoformat(raw)


_TIME_OF_DAY = re.compile(r"^\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")


def fixed_offset(moment: datetime) -> datetime:
    """The same instant with a fixed UTC offset, as it will read back from the store:
    a live aggregate and a replayed one then hold identical times (and time arithmetic
    across a daylight-saving change gives one answer)."""
    offset = moment.utcoffset()
    assert offset is not None, "kaflow keeps zone-aware times only"
    return moment.astimezone(timezone(offset))


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
    try:
        return timedelta(**{unit: int(n) for unit, n in found.groupdict().items() if n})
    except OverflowError:
        raise ValueError(f"'{text}' is out of range") from None
