from typing import Any

import pytest
from pydantic import ValidationError

from schemas.envelope import CloudEvent
from schemas.samples import sample_event

TYPE = "nl.wijkbrug.housing.arrears.signalled"


def event(**changes: Any) -> dict[str, Any]:
    raw = sample_event(TYPE)
    raw.update(changes)
    return {key: value for key, value in raw.items() if value is not ...}


def test_parses_and_exposes_org_slug() -> None:
    envelope = CloudEvent.model_validate(event())
    assert envelope.org_slug == "example-org"
    assert envelope.buurt == "BU0363AE01"
    with pytest.raises(ValidationError):
        envelope.subject = "hh:other-subject"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("time", "wire_time"),
    [
        ("2025-03-01T09:30:00Z", "2025-03-01T09:30:00Z"),
        ("2025-03-01T10:30:00+01:00", "2025-03-01T09:30:00Z"),
        ("2025-03-01T10:30:00.120+01:00", "2025-03-01T09:30:00.120Z"),
        ("2025-03-01T09:30:00.000001Z", "2025-03-01T09:30:00.000001Z"),
    ],
)
def test_to_wire_time(time: str, wire_time: str) -> None:
    assert CloudEvent.model_validate(event(time=time)).to_wire()["time"] == wire_time


def test_to_wire_omits_absent_attributes_and_keeps_data() -> None:
    data = {"months_in_arrears": 2, "amount_eur": 10, "note": None}
    wire = CloudEvent.model_validate(event(buurt=..., datacontenttype=..., data=data)).to_wire()
    assert "buurt" not in wire
    assert "traceparent" not in wire
    assert "datacontenttype" not in wire
    assert wire["data"] == data
    assert CloudEvent.model_validate(wire).to_wire() == wire


@pytest.mark.parametrize(
    "changes",
    [
        {"specversion": "0.3"},
        {"id": ""},
        {"id": "   "},
        {"id": "a\tb"},
        {"id": "x" * 257},
        {"source": "urn:nl:wijkbrug:org:Woonstad"},
        {"type": "com.example.thing"},
        {"time": "2025-03-01T09:30:00"},
        {"subject": "hh:short"},
        {"buurt": "BU0363ae01"},
        {"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331"},
        {"traceparent": "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
        {"traceparent": "00-00000000000000000000000000000000-b7ad6b7169203331-01"},
        {"tracestate": "a=\u00e9"},
        {"datacontenttype": "text/xml"},
        {"data": ...},
        {"data": [1, 2]},
        {"extension": "x"},
    ],
)
def test_rejects(changes: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        CloudEvent.model_validate(event(**changes))


def test_accepts_trace_context() -> None:
    envelope = CloudEvent.model_validate(
        event(
            traceparent="00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            tracestate="congo=t61rcWkgMzE",
            dataschema="https://wijkbrug.nl/schemas/v1/nl.wijkbrug.housing.arrears.signalled.json",
        )
    )
    assert envelope.to_wire()["tracestate"] == "congo=t61rcWkgMzE"


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"buurt": ...},
        {"time": "2025-03-01T13:00:00.123+01:00"},
        {
            "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "tracestate": "congo=t61rcWkgMzE",
            "datacontenttype": "application/json",
            "dataschema": "https://example.org/schema.json",
        },
    ],
)
def test_wire_attributes_are_the_serializers_dump(changes: dict[str, Any]) -> None:
    envelope = CloudEvent.model_validate(event(**changes))
    expected = envelope.model_dump(mode="json", exclude_none=True, exclude={"data"})
    assert envelope.wire_attributes() == expected
    assert list(envelope.wire_attributes()) == list(expected)
