"""The SLA badge: time left or time over, in a readable Dutch unit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.dashboard.sla_badge import duration_nl, sla_badge
from services.escalations.sla import Clock, SlaState

DUE = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def state(remaining: timedelta) -> SlaState:
    return SlaState(
        clock=Clock.ACKNOWLEDGE, started_at=DUE - timedelta(days=1), due_at=DUE, remaining=remaining
    )


@pytest.mark.parametrize(
    ("span", "text"),
    [
        (timedelta(seconds=10), "1 min"),
        (timedelta(minutes=40, seconds=59), "40 min"),
        (timedelta(hours=1), "1 u"),
        (timedelta(hours=5, minutes=59), "5 u"),
        (timedelta(hours=47), "47 u"),
        (timedelta(days=2), "2 d"),
        (timedelta(days=6, hours=23), "6 d"),
    ],
)
def test_a_span_in_its_unit_rounded_down(span: timedelta, text: str) -> None:
    assert duration_nl(span) == text


def test_time_left_and_time_over() -> None:
    assert sla_badge(state(timedelta(hours=5, minutes=20))) == "nog 5 u"
    assert sla_badge(state(-timedelta(days=2, hours=3))) == "2 d over tijd"
    assert sla_badge(state(-timedelta(minutes=3))) == "3 min over tijd"


def test_no_badge_without_a_running_clock() -> None:
    assert sla_badge(SlaState(clock=None)) is None
