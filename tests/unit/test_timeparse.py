from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.errors import InvalidInput
from bot.timeparse import format_local, parse_duration, parse_time

NOW = datetime(2026, 3, 27, 10, 0, tzinfo=UTC)


def test_local_time_is_stored_in_utc_across_dst() -> None:
    # Brussels is UTC+1 before 29 March 2026 and UTC+2 after.
    assert parse_time("2026-03-28 15:00", "Europe/Brussels", NOW) == datetime(2026, 3, 28, 14, 0, tzinfo=UTC)
    assert parse_time("2026-03-30 15:00", "Europe/Brussels", NOW) == datetime(2026, 3, 30, 13, 0, tzinfo=UTC)


def test_explicit_zone_and_offset_win_over_the_default() -> None:
    assert parse_time("2026-04-01 09:00 America/New_York", "Europe/Brussels", NOW) == datetime(
        2026, 4, 1, 13, 0, tzinfo=UTC
    )
    assert parse_time("2026-04-01T09:00+02:00", "UTC", NOW) == datetime(2026, 4, 1, 7, 0, tzinfo=UTC)


def test_relative_and_clock_times() -> None:
    assert parse_time("in 2h", "UTC", NOW) == NOW + timedelta(hours=2)
    assert parse_time("+1d2h", "UTC", NOW) == NOW + timedelta(days=1, hours=2)
    assert parse_time("15:00", "Europe/Brussels", NOW) == datetime(2026, 3, 27, 14, 0, tzinfo=UTC)
    assert parse_time("09:00", "Europe/Brussels", NOW) == datetime(2026, 3, 28, 8, 0, tzinfo=UTC)  # tomorrow


def test_nonexistent_local_time_is_refused() -> None:
    with pytest.raises(InvalidInput, match="does not exist in Europe/Brussels"):
        parse_time("2026-03-29 02:30", "Europe/Brussels", NOW)


@pytest.mark.parametrize("text", ["tomorrowish", "2026-13-01 10:00", "", "in soon"])
def test_unreadable_times(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_time(text, "UTC", NOW)


def test_unknown_zone() -> None:
    with pytest.raises(InvalidInput, match="unknown time zone"):
        parse_time("2026-04-01 09:00 Mars/Olympus", "UTC", NOW)


def test_durations() -> None:
    assert parse_duration("1h30m") == timedelta(minutes=90)
    assert parse_duration("2d") == timedelta(days=2)
    with pytest.raises(InvalidInput):
        parse_duration("soon")


def test_format_local() -> None:
    moment = datetime(2026, 12, 8, 14, 0, tzinfo=UTC)
    assert format_local(moment, "Europe/Brussels") == "Tue 08 Dec 2026 15:00 Europe/Brussels"
