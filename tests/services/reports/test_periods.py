"""ISO weeks and calendar months in local time, as UTC intervals."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from services.reports.periods import iso_weeks, months

ZONE = ZoneInfo("Europe/Amsterdam")


def test_weeks_end_with_the_current_one_and_start_on_monday_midnight_local_time() -> None:
    now = datetime(2026, 10, 14, 12, 0, tzinfo=UTC)  # a Wednesday

    weeks = iso_weeks(now, 3, ZONE)

    assert [week.key for week in weeks] == ["2026-W40", "2026-W41", "2026-W42"]
    assert weeks[-1].start == datetime(2026, 10, 11, 22, 0, tzinfo=UTC)  # Monday 00:00 CEST
    assert weeks[-1].start <= now < weeks[-1].end
    assert all(before.end == after.start for before, after in itertools.pairwise(weeks))


def test_a_week_across_the_change_to_summer_time_is_an_hour_shorter() -> None:
    weeks = iso_weeks(datetime(2026, 3, 30, 8, 0, tzinfo=UTC), 2, ZONE)

    assert [week.key for week in weeks] == ["2026-W13", "2026-W14"]
    assert weeks[0].start == datetime(2026, 3, 22, 23, 0, tzinfo=UTC)
    assert weeks[0].end - weeks[0].start == timedelta(days=7, hours=-1)


def test_sunday_night_local_time_is_still_last_week() -> None:
    sunday_night = datetime(2026, 10, 18, 21, 30, tzinfo=UTC)  # 23:30 in Amsterdam
    monday_morning = datetime(2026, 10, 18, 22, 30, tzinfo=UTC)  # 00:30 in Amsterdam

    assert iso_weeks(sunday_night, 1, ZONE)[0].key == "2026-W42"
    assert iso_weeks(monday_morning, 1, ZONE)[0].key == "2026-W43"


def test_iso_weeks_over_new_year() -> None:
    weeks = iso_weeks(datetime(2027, 1, 5, 12, 0, tzinfo=UTC), 3, ZONE)

    assert [week.key for week in weeks] == ["2026-W52", "2026-W53", "2027-W01"]


def test_months_end_with_the_current_one_across_a_year() -> None:
    found = months(datetime(2026, 2, 10, 12, 0, tzinfo=UTC), 4, ZONE)

    assert [month.key for month in found] == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert found[0].start == datetime(2025, 10, 31, 23, 0, tzinfo=UTC)
    assert found[-1].end == datetime(2026, 2, 28, 23, 0, tzinfo=UTC)
    assert all(before.end == after.start for before, after in itertools.pairwise(found))


def test_the_first_hour_of_a_month_local_time_belongs_to_that_month() -> None:
    first_hour = datetime(2026, 6, 30, 22, 30, tzinfo=UTC)  # 1 July 00:30 CEST

    assert months(first_hour, 1, ZONE)[0].key == "2026-07"
