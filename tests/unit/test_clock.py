from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kaflow.clock import FixedClock, parse_when

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_a_date_means_midnight_in_the_workspace_zone() -> None:
    assert parse_when("2026-12-01", SHANGHAI) == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)


def test_a_time_without_zone_is_in_the_workspace_zone() -> None:
    assert parse_when("2026-12-01T10:00", SHANGHAI) == datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def test_an_explicit_zone_wins_and_the_result_is_always_aware() -> None:
    parsed = parse_when("2026-12-01T10:00Z", SHANGHAI)
    assert parsed == datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    assert parsed.tzinfo is not None


@pytest.mark.parametrize("text", ["", "tomorrow", "2026-13-01", "01/12/2026", "2026-12-01T25:00"])
def test_malformed_dates_give_a_message_not_a_traceback(text: str) -> None:
    with pytest.raises(ValueError, match="ISO 8601"):
        parse_when(text, SHANGHAI)


def test_the_fixed_clock_moves_only_when_told() -> None:
    clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    clock.advance(timedelta(hours=2))
    assert clock.now() == datetime(2026, 1, 1, 2, tzinfo=UTC)
    with pytest.raises(ValueError):
        FixedClock(datetime(2026, 1, 1))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("P7D", timedelta(days=7)),
        ("PT36H", timedelta(hours=36)),
        ("P1W", timedelta(weeks=1)),
        ("P1DT12H30M", timedelta(days=1, hours=12, minutes=30)),
        ("pt90s", timedelta(seconds=90)),
    ],
)
def test_durations(text: str, expected: timedelta) -> None:
    from kaflow.clock import parse_duration

    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["banana", "P", "PT", "P1M", "P1Y", "7D", "P1DT", "-P1D"])
def test_bad_durations_are_refused(text: str) -> None:
    from kaflow.clock import parse_duration

    with pytest.raises(ValueError, match="ISO 8601 duration"):
        parse_duration(text)


def test_a_time_of_day_means_today_and_basic_dates_are_dates() -> None:
    from datetime import date

    today = date(2026, 11, 29)
    assert parse_when("14:30", SHANGHAI, today=today) == datetime(2026, 11, 29, 6, 30, tzinfo=UTC)
    assert parse_when("20261129", SHANGHAI, end_of_day=True).hour == 23


@pytest.mark.parametrize("text", ["0001-01-01", "9999-12-31T23:00-05:00", "1899-12-31"])
def test_implausible_years_are_out_of_range(text: str) -> None:
    with pytest.raises(ValueError, match="out of range"):
        parse_when(text, SHANGHAI)


def test_a_time_in_a_daylight_saving_gap_is_the_instant_it_names() -> None:
    new_york = ZoneInfo("America/New_York")
    parsed = parse_when("2026-03-08T02:30", new_york)
    assert parsed.utcoffset() == timedelta(hours=-4) and parsed.hour == 3


def test_a_date_and_time_with_a_space_is_not_a_time_of_day() -> None:
    from datetime import date

    parsed = parse_when("2026-01-05 14:30", SHANGHAI, today=date(2026, 11, 29))
    assert (parsed.date().isoformat(), parsed.hour) == ("2026-01-05", 14)


def test_a_huge_duration_is_out_of_range() -> None:
    from kaflow.clock import parse_duration

    with pytest.raises(ValueError, match="out of range"):
        parse_duration("P99999999999D")


def test_a_time_of_day_may_carry_its_own_zone() -> None:
    from datetime import date

    parsed = parse_when("10:00Z", SHANGHAI, today=date(2026, 11, 29))
    assert parsed == datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
