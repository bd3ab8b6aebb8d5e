"""Facts: exact microsecond times, identity by (organisation, id), built from events on buurt.events."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from services.rules.facts import (
    EPOCH,
    Fact,
    from_micros,
    micros,
    parse_time,
    subject_event_from_wire,
    to_micros,
)
from tests.support.rules import cloudevent


@pytest.mark.parametrize(
    "moment",
    [
        EPOCH,
        datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC),
        datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(2262, 4, 11, tzinfo=UTC),
    ],
)
def test_microseconds_round_trip_exactly(moment: datetime) -> None:
    assert from_micros(to_micros(moment)) == moment
    assert from_micros(to_micros(moment)).utcoffset() == timedelta(0)


def test_an_offset_is_the_same_instant() -> None:
    amsterdam = timezone(timedelta(hours=1))

    assert to_micros(datetime(2026, 3, 1, 10, 0, tzinfo=amsterdam)) == to_micros(
        datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    )
    assert to_micros(EPOCH + timedelta(microseconds=1)) == 1
    assert micros(timedelta(days=1)) == 86_400_000_000
    assert micros(timedelta(microseconds=7)) == 7


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-01T09:00:00Z", datetime(2026, 3, 1, 9, tzinfo=UTC)),
        ("2026-03-01T09:00:00z", datetime(2026, 3, 1, 9, tzinfo=UTC)),
        ("2026-03-01T10:00:00+01:00", datetime(2026, 3, 1, 9, tzinfo=UTC)),
        ("2026-03-01T09:00:00.000001Z", datetime(2026, 3, 1, 9, 0, 0, 1, tzinfo=UTC)),
    ],
)
def test_parse_time(text: str, expected: datetime) -> None:
    assert parse_time(text) == expected


def test_a_fact_is_identified_by_organisation_and_id() -> None:
    item = Fact(t=5, org="woco", id="e1", type="nl.wijkbrug.housing.eviction.summoned", buurt="BU0363AD05")

    assert item.key == ("woco", "e1")
    assert item.source == "urn:nl:wijkbrug:org:woco"
    assert item.sort_key == (5, "woco", "e1")
    assert item.data == {}
    assert "woco/e1" in repr(item)


def test_json_round_trip() -> None:
    item = Fact(
        t=-3, org="woco", id="e1", type="nl.wijkbrug.x.y.z", buurt="BU0363AD05", data={"kind": "jeugd"}
    )

    copy = Fact.from_json(json.loads(json.dumps(item.to_json())))

    assert (copy.t, copy.key, copy.type, copy.buurt, dict(copy.data)) == (
        -3,
        ("woco", "e1"),
        item.type,
        item.buurt,
        {"kind": "jeugd"},
    )


def test_an_event_from_the_wire_keeps_only_the_data_fields_rules_read() -> None:
    event = cloudevent(
        "e1", "social.care.started", 0, "hh:household-0001", data={"kind": "jeugd", "product_code": "45A"}
    )
    event["time"] = "2026-01-01T10:00:00+01:00"

    read = subject_event_from_wire(event, frozenset({"kind", "permit_id"}))
    bare = subject_event_from_wire(event)

    assert read.subject == "hh:household-0001"
    assert (read.fact.org, read.fact.id, read.fact.type, read.fact.buurt) == (
        "gemeente-sd",
        "e1",
        "nl.wijkbrug.social.care.started",
        "BU0363AD05",
    )
    assert read.fact.t == to_micros(datetime(2026, 1, 1, 9, tzinfo=UTC))
    assert dict(read.fact.data) == {"kind": "jeugd"}
    assert dict(bare.fact.data) == {}


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("source", "https://example.org/not-an-org", ValueError),
        ("time", "yesterday", ValueError),
        ("subject", None, KeyError),
        ("buurt", None, KeyError),
    ],
    ids=["source-not-an-organisation", "time-not-rfc3339", "subject-missing", "buurt-missing"],
)
def test_an_event_that_is_not_a_hub_event(field: str, value: str | None, error: type[Exception]) -> None:
    event = cloudevent("e1", "social.care.started", 0, "hh:household-0001")
    if value is None:
        del event[field]
    else:
        event[field] = value

    with pytest.raises(error):
        subject_event_from_wire(event)
