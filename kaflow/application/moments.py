"""The moments and spans a user writes, as the reads take them: ISO 8601, in the
workspace's zone, a bare date meaning its end where a read is limited to it. Each error
names the field the text fills."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import Any

from kaflow.clock import parse_when
from kaflow.errors import BadInputError, field


def moment(
    text: str | None, name: str, zone: tzinfo, now: datetime, *, end_of_day: bool = False
) -> datetime | None:
    """A time as a user writes it (ISO 8601; a date, a time of day), in ``zone``;
    ``name`` is the field it fills, for the message."""
    if text is None:
        return None
    try:
        return parse_when(text, zone, end_of_day=end_of_day, today=now.date())
    except ValueError as e:
        raise BadInputError(f"{field(name)}: {e}", field=name) from None


def cut(
    happened: str | None, recorded: str | None, zone: tzinfo, now: datetime
) -> tuple[datetime | None, datetime | None]:
    """The two moments a read may be limited to (as of, recorded by), each by its end if
    a bare date."""
    return (
        moment(happened, "as_of", zone, now, end_of_day=True),
        moment(recorded, "recorded_by", zone, now, end_of_day=True),
    )


def as_of(text: str | None, name: str, zone: tzinfo, now: datetime) -> datetime:
    """A moment to read as of (``name``: the field it fills), by its end if a bare
    date, and not in the future: today means now."""
    found = moment(text, name, zone, now, end_of_day=True) or now
    if text is not None and found > now:
        start = moment(text, name, zone, now)  # today, to its end: as it stands now
        if start is None or start > now:
            raise BadInputError(
                f"{field(name)} {text} is in the future: the record does not say yet",
                field=name,
            )
    return min(found, now)


def period(since: str | None, until: str | None, zone: tzinfo, now: datetime) -> dict[str, Any]:
    """From ``since`` to ``until`` (a bare date: to its end), by when steps happened."""
    start = moment(since, "since", zone, now)
    end = moment(until, "until", zone, now, end_of_day=True)
    if start and end and start > end:
        raise BadInputError(f"{field('since')} is after {field('until')}", field="since")
    return {"since": start, "until": end}


def span(text: str, name: str) -> timedelta:
    """A duration as a user writes it (ISO 8601), as a policy's window: longer than
    nothing, at most ten years."""
    from kaflow.settings_values import window

    try:
        return window(text)
    except (ValueError, OverflowError) as e:
        raise BadInputError(f"{field(name)}: {e}", field=name) from None
