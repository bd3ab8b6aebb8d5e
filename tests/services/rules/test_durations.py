"""Durations in rule files: short forms and ISO 8601, positive only, written back in the short form."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from services.rules.durations import Duration, format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90d", timedelta(days=90)),
        ("14d", timedelta(days=14)),
        ("36h", timedelta(hours=36)),
        ("30m", timedelta(minutes=30)),
        (" 56d ", timedelta(days=56)),
        ("7 d", timedelta(days=7)),
        ("P90D", timedelta(days=90)),
        ("p90d", timedelta(days=90)),
        ("PT36H", timedelta(hours=36)),
        ("PT30M", timedelta(minutes=30)),
        ("P8W", timedelta(weeks=8)),
        ("P1DT12H", timedelta(days=1, hours=12)),
        ("P1W2DT3H4M", timedelta(weeks=1, days=2, hours=3, minutes=4)),
        (timedelta(hours=2), timedelta(hours=2)),
    ],
)
def test_parse(text: str | timedelta, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("0d", "longer than zero"),
        ("P0D", "longer than zero"),
        ("PT0H0M", "longer than zero"),
        (timedelta(0), "longer than zero"),
        (timedelta(days=-1), "longer than zero"),
        ("-5d", "is not a duration"),
        ("90", "is not a duration"),
        ("90 days", "is not a duration"),
        ("1.5d", "is not a duration"),
        ("2w", "is not a duration"),
        ("90s", "is not a duration"),
        ("P", "is not a duration"),
        ("PT", "is not a duration"),
        ("P1Y", "is not a duration"),
        ("", "is not a duration"),
        (90, "a duration is a text"),
        (None, "a duration is a text"),
    ],
)
def test_refused(value: Any, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        parse_duration(value)


@pytest.mark.parametrize(
    ("duration", "text"),
    [
        (timedelta(days=90), "90d"),
        (timedelta(hours=24), "1d"),
        (timedelta(hours=36), "36h"),
        (timedelta(minutes=90), "90m"),
        (timedelta(days=1, minutes=1), "1441m"),
        (timedelta(weeks=8), "56d"),
    ],
)
def test_format_and_back(duration: timedelta, text: str) -> None:
    assert format_duration(duration) == text
    assert parse_duration(text) == duration


class Window(BaseModel):
    within: Duration


def test_a_duration_field_reads_any_form_and_writes_the_short_form_to_json() -> None:
    window = Window.model_validate({"within": "PT36H"})

    assert window.within == timedelta(hours=36)
    assert window.model_dump() == {"within": timedelta(hours=36)}
    assert window.model_dump(mode="json") == {"within": "36h"}
    assert Window.model_validate_json(window.model_dump_json()) == window


def test_a_duration_field_names_the_problem() -> None:
    with pytest.raises(ValidationError) as caught:
        Window.model_validate({"within": "90 days"})

    (error,) = caught.value.errors()
    assert error["loc"] == ("within",)
    assert "write e.g. 90d" in error["msg"]
