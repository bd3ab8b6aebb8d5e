"""The time buckets of the reports: ISO weeks and calendar months of a local time zone, in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo

from services.reports.model import Bucket


def iso_weeks(now: datetime, count: int, zone: tzinfo) -> tuple[Bucket, ...]:
    """The `count` ISO weeks (Monday 00:00 local time) up to and including the one `now` falls in,
    oldest first; keys like ``2026-W09``."""
    local = now.astimezone(zone).date()
    this_monday = local - timedelta(days=local.weekday())
    mondays = [this_monday - timedelta(weeks=back) for back in reversed(range(count))]
    return tuple(
        Bucket(
            key=_week_key(monday),
            start=_midnight(monday, zone),
            end=_midnight(monday + timedelta(weeks=1), zone),
        )
        for monday in mondays
    )


def months(now: datetime, count: int, zone: tzinfo) -> tuple[Bucket, ...]:
    """The `count` calendar months (local time) up to and including the one `now` falls in, oldest first;
    keys like ``2026-03``."""
    local = now.astimezone(zone).date()
    firsts = [_month_shift(local.replace(day=1), -back) for back in reversed(range(count))]
    return tuple(
        Bucket(
            key=f"{first:%Y-%m}", start=_midnight(first, zone), end=_midnight(_month_shift(first, 1), zone)
        )
        for first in firsts
    )


def _week_key(monday: date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def _month_shift(first: date, months_ahead: int) -> date:
    index = first.year * 12 + first.month - 1 + months_ahead
    return date(index // 12, index % 12 + 1, 1)


def _midnight(day: date, zone: tzinfo) -> datetime:
    # In UTC, so that durations and comparisons are real time, not wall-clock time.
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)
