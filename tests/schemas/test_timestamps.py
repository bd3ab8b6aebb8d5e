from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import TypeAdapter, ValidationError

from schemas.timestamps import Rfc3339Time, format_rfc3339

ADAPTER: TypeAdapter[datetime] = TypeAdapter(Rfc3339Time)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-03-01T09:30:00Z", datetime(2025, 3, 1, 9, 30, tzinfo=UTC)),
        ("2025-03-01t09:30:00z", datetime(2025, 3, 1, 9, 30, tzinfo=UTC)),
        ("2025-03-01T10:30:00+01:00", datetime(2025, 3, 1, 9, 30, tzinfo=UTC)),
        ("2025-03-01T09:30:00.120Z", datetime(2025, 3, 1, 9, 30, 0, 120_000, tzinfo=UTC)),
        ("2025-03-01T09:30:00.123456789Z", datetime(2025, 3, 1, 9, 30, 0, 123_456, tzinfo=UTC)),
        ("2025-03-01T09:30:00-00:00", datetime(2025, 3, 1, 9, 30, tzinfo=UTC)),
    ],
)
def test_parses_rfc3339(text: str, expected: datetime) -> None:
    assert ADAPTER.validate_python(text) == expected


@pytest.mark.parametrize(
    "value",
    [
        "2025-03-01T09:30:00",
        "2025-03-01 09:30:00Z",
        "2025-03-01",
        "2025-03-01T09:30Z",
        "2025-02-30T09:30:00Z",
        "2025-03-01T09:30:00+0100",
        1_740_821_400,
        datetime(2025, 3, 1, 9, 30),
        "",
    ],
)
def test_rejects_non_rfc3339_and_naive(value: object) -> None:
    with pytest.raises(ValidationError):
        ADAPTER.validate_python(value)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (datetime(2025, 3, 1, 9, 30, tzinfo=UTC), "2025-03-01T09:30:00Z"),
        (
            datetime(2025, 3, 1, 10, 30, 0, 120_000, tzinfo=timezone(timedelta(hours=1))),
            "2025-03-01T09:30:00.120Z",
        ),
        (datetime(2025, 3, 1, 9, 30, 0, 123_456, tzinfo=UTC), "2025-03-01T09:30:00.123456Z"),
        (datetime(999, 1, 2, 3, 4, 5, tzinfo=UTC), "0999-01-02T03:04:05Z"),
    ],
)
def test_format(value: datetime, text: str) -> None:
    assert format_rfc3339(value) == text
    assert ADAPTER.dump_python(value, mode="json") == text


def test_format_rejects_naive() -> None:
    with pytest.raises(ValueError, match="naive"):
        format_rfc3339(datetime(2025, 3, 1))


def test_format_of_one_instant_in_any_offset_is_one_text() -> None:
    amsterdam = datetime(2025, 7, 1, 14, 0, tzinfo=timezone(timedelta(hours=2)))
    utc = datetime(2025, 7, 1, 12, 0, tzinfo=UTC)
    assert [format_rfc3339(amsterdam), format_rfc3339(utc), format_rfc3339(amsterdam)] == [
        "2025-07-01T12:00:00Z"
    ] * 3
