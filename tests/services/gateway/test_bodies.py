"""Reading an ingest request body: content types, shapes, limits and the CloudEvents HTTP binding."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from schemas.errors import EventValidationError
from schemas.validation import validate_event
from services.errors import BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError
from services.gateway.bodies import (
    BATCH,
    PLAIN,
    STRUCTURED,
    BodyTooLargeError,
    MalformedBodyError,
    UnsupportedContentTypeError,
    parse_body,
    read_limited,
)
from tests.support.events import cloudevent, new_subject

NOW = datetime(2026, 10, 2, tzinfo=UTC)


def _event(**attributes: Any) -> dict[str, Any]:
    return cloudevent("woonstad", "housing.eviction.summoned", new_subject(), **attributes)


def _bytes(document: Any) -> bytes:
    return json.dumps(document).encode("utf-8")


# ---------------------------------------------------------------------------------------------------
# structured, batched and plain JSON


@pytest.mark.parametrize(
    ("content_type", "shape", "batch"),
    [
        (STRUCTURED, "object", False),
        (f"{STRUCTURED}; charset=utf-8", "object", False),
        ("Application/CloudEvents+JSON", "object", False),
        (BATCH, "array", True),
        (f"{BATCH};charset=UTF-8", "array", True),
        (PLAIN, "object", False),
        (PLAIN, "array", True),
        (f"{PLAIN}; charset=utf-8", "array", True),
    ],
)
def test_accepted_content_types(content_type: str, shape: str, batch: bool) -> None:
    events = [_event(), _event()] if shape == "array" else [_event()]
    document: Any = events if shape == "array" else events[0]

    parsed = parse_body({"content-type": content_type}, _bytes(document), max_events=10)

    assert parsed.batch is batch
    assert parsed.events == events


@pytest.mark.parametrize(
    ("content_type", "document", "words"),
    [
        (STRUCTURED, [], ["one event", "JSON object", BATCH]),
        (STRUCTURED, "an event", ["one event", "JSON object"]),
        (STRUCTURED, 42, ["one event", "JSON object"]),
        (BATCH, {"id": "x"}, ["JSON array"]),
        (BATCH, "events", ["JSON array"]),
        (PLAIN, "events", ["JSON object", "array"]),
        (PLAIN, 3.5, ["JSON object", "array"]),
        (PLAIN, None, ["JSON object", "array"]),
        (BATCH, [], ["no events"]),
        (PLAIN, [], ["no events"]),
    ],
)
def test_wrong_shapes_are_malformed(content_type: str, document: Any, words: Sequence[str]) -> None:
    with pytest.raises(MalformedBodyError) as caught:
        parse_body({"content-type": content_type}, _bytes(document), max_events=10)

    assert isinstance(caught.value, BadRequestError)
    for word in words:
        assert word in caught.value.message


@pytest.mark.parametrize("body", [b"", b"   ", b"\n\t \r\n"])
def test_an_empty_body_is_malformed(body: bytes) -> None:
    with pytest.raises(MalformedBodyError, match="empty"):
        parse_body({"content-type": STRUCTURED}, body, max_events=10)


@pytest.mark.parametrize(
    ("body", "line", "column"),
    [
        (b"{bad", 1, 2),
        (b'{\n  "id": "a",\n  "source": }', 3, 13),
        (b'[{"id": "a"},\n{"id": "b",}]', 2, 12),
        (b'{"id": "a"} trailing', 1, 13),
    ],
)
def test_invalid_json_names_line_and_column(body: bytes, line: int, column: int) -> None:
    with pytest.raises(MalformedBodyError) as caught:
        parse_body({"content-type": PLAIN}, body, max_events=10)

    assert "not valid JSON" in caught.value.message
    assert f"line {line} column {column}" in caught.value.message


@pytest.mark.parametrize(
    "body",
    [
        '{"id": "caf\u00e9"}'.encode("latin-1"),
        b'{"id": "\xff\xfe"}',
        b"\xc3\x28",
    ],
)
def test_a_body_that_is_not_utf8_is_malformed(body: bytes) -> None:
    with pytest.raises(MalformedBodyError, match="not UTF-8"):
        parse_body({"content-type": STRUCTURED}, body, max_events=10)


@pytest.mark.parametrize("content_type", [BATCH, PLAIN])
def test_batch_size_limit(content_type: str) -> None:
    at_limit = [_event() for _ in range(3)]
    assert parse_body({"content-type": content_type}, _bytes(at_limit), max_events=3).events == at_limit

    with pytest.raises(BodyTooLargeError) as caught:
        parse_body({"content-type": content_type}, _bytes([*at_limit, _event()]), max_events=3)

    assert isinstance(caught.value, PayloadTooLargeError)
    assert "4 events" in caught.value.message
    assert "limit is 3" in caught.value.message


@pytest.mark.parametrize(
    ("headers", "shown"),
    [
        ({"content-type": "text/plain"}, "text/plain"),
        ({"content-type": "application/xml; charset=utf-8"}, "application/xml"),
        ({"content-type": "application/cloudevents+xml"}, "application/cloudevents+xml"),
        ({"content-type": "multipart/form-data; boundary=x"}, "multipart/form-data"),
        ({}, "(none)"),
        ({"content-type": ""}, "(none)"),
    ],
)
def test_unsupported_content_types(headers: dict[str, str], shown: str) -> None:
    with pytest.raises(UnsupportedContentTypeError) as caught:
        parse_body(headers, _bytes(_event()), max_events=10)

    assert isinstance(caught.value, UnsupportedMediaTypeError)
    assert shown in caught.value.message
    assert STRUCTURED in caught.value.message


def test_the_content_type_is_checked_before_the_body() -> None:
    with pytest.raises(UnsupportedContentTypeError):
        parse_body({"content-type": "text/plain"}, b"not json at all", max_events=10)


# ---------------------------------------------------------------------------------------------------
# binary mode


def _binary_headers(event: dict[str, Any], content_type: str | None = PLAIN) -> dict[str, str]:
    headers = {f"ce-{name}": str(value) for name, value in event.items() if name != "data"}
    if content_type is not None:
        headers["content-type"] = content_type
    return headers


def _binary_sample() -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": "evt-binary-1",
        "source": "urn:nl:wijkbrug:org:woonstad",
        "type": "nl.wijkbrug.housing.eviction.scheduled",
        "time": "2026-10-01T09:00:00Z",
        "subject": "hh:binarymode01",
        "buurt": "BU0363AD05",
        "data": {"eviction_date": "2026-11-15"},
    }


def test_binary_mode_gives_the_structured_dict() -> None:
    structured = {**_binary_sample(), "datacontenttype": PLAIN}

    parsed = parse_body(_binary_headers(structured), _bytes(structured["data"]), max_events=10)

    assert parsed.batch is False
    assert parsed.events == [structured]
    from_structured = parse_body({"content-type": STRUCTURED}, _bytes(structured), max_events=10)
    assert parsed.events == from_structured.events
    assert (
        validate_event(parsed.events[0], now=NOW).to_wire()
        == validate_event(from_structured.events[0], now=NOW).to_wire()
    )


@pytest.mark.parametrize(
    ("header_time", "expected"),
    [
        ("2026-10-01T09:00:00Z", "2026-10-01T09:00:00Z"),
        ("2026-10-01T11:00:00+02:00", "2026-10-01T09:00:00Z"),
        ("2026-10-01T09:00:00.250Z", "2026-10-01T09:00:00.250Z"),
    ],
)
def test_binary_time_becomes_an_rfc3339_string(header_time: str, expected: str) -> None:
    headers = _binary_headers({**_binary_sample(), "time": header_time})

    (event,) = parse_body(headers, _bytes(_binary_sample()["data"]), max_events=10).events

    assert event["time"] == expected
    assert validate_event(event, now=NOW).envelope.time == datetime.fromisoformat(expected)


def test_binary_header_names_are_case_insensitive() -> None:
    sample = _binary_sample()
    headers = {name.upper(): value for name, value in _binary_headers(sample).items()}

    (event,) = parse_body(headers, _bytes(sample["data"]), max_events=10).events

    assert event["id"] == sample["id"]
    assert event["buurt"] == sample["buurt"]
    assert event["data"] == sample["data"]


def test_binary_mode_with_a_charset_parameter_is_the_contract_content_type() -> None:
    sample = _binary_sample()
    headers = _binary_headers(sample, content_type="application/json; charset=utf-8")

    (event,) = parse_body(headers, _bytes(sample["data"]), max_events=10).events

    assert event["datacontenttype"] == PLAIN
    validate_event(event, now=NOW)


def test_binary_mode_without_content_type_or_body() -> None:
    sample = _binary_sample()

    (event,) = parse_body(_binary_headers(sample, content_type=None), b"", max_events=10).events

    assert "datacontenttype" not in event
    assert "data" not in event
    assert event["id"] == sample["id"]


@pytest.mark.parametrize("attribute", ["id", "time", "specversion", "subject"])
def test_binary_mode_never_invents_a_missing_attribute(attribute: str) -> None:
    """The SDK would fill in a random id or the current time; the contract requires the sender's."""
    sample = _binary_sample()
    headers = _binary_headers(sample)
    del headers[f"ce-{attribute}"]

    (event,) = parse_body(headers, _bytes(sample["data"]), max_events=10).events

    assert attribute not in event
    with pytest.raises(EventValidationError) as caught:
        validate_event(event, now=NOW)
    assert (attribute, "missing_attribute") in {(issue.field, issue.code) for issue in caught.value.issues}


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("ce-source", None),
        ("ce-type", None),
        ("ce-source", ""),
        ("ce-time", "yesterday"),
        ("ce-time", "2026-10-01T09:00:00"),
    ],
)
def test_binary_mode_with_broken_attributes_is_malformed(header: str, value: str | None) -> None:
    headers = _binary_headers(_binary_sample())
    if value is None:
        del headers[header]
    else:
        headers[header] = value

    with pytest.raises(MalformedBodyError, match="binary-mode CloudEvent"):
        parse_body(headers, b"{}", max_events=10)


def test_binary_mode_with_invalid_json_data_is_malformed() -> None:
    with pytest.raises(MalformedBodyError, match="line 1 column 2"):
        parse_body(_binary_headers(_binary_sample()), b"{oops", max_events=10)


def test_ce_headers_on_a_structured_request_do_not_switch_to_binary_mode() -> None:
    structured = _binary_sample()
    headers = {**_binary_headers({"id": "from-a-header"}, content_type=STRUCTURED)}

    parsed = parse_body(headers, _bytes(structured), max_events=10)

    assert parsed.events == [structured]


# ---------------------------------------------------------------------------------------------------
# read_limited


async def _chunks(parts: Sequence[bytes], served: list[int] | None = None) -> AsyncIterator[bytes]:
    for part in parts:
        if served is not None:
            served.append(len(part))
        yield part


def _read(parts: Sequence[bytes], content_length: str | None, limit: int) -> bytes:
    return asyncio.run(read_limited(_chunks(parts), content_length, limit))


@pytest.mark.parametrize(
    ("parts", "content_length"),
    [
        ([b"0123456789"], "10"),
        ([b"0123", b"456", b"789"], None),
        ([b"0123456789"], None),
        ([b"", b"0123456789", b""], "10"),
        ([], "0"),
    ],
)
def test_a_body_up_to_the_limit_is_read_whole(parts: Sequence[bytes], content_length: str | None) -> None:
    assert _read(parts, content_length, limit=10) == b"".join(parts)


@pytest.mark.parametrize("content_length", ["11", "5000000000"])
def test_a_content_length_over_the_limit_is_refused_before_reading(content_length: str) -> None:
    served: list[int] = []
    with pytest.raises(BodyTooLargeError) as caught:
        asyncio.run(read_limited(_chunks([b"x"], served), content_length, 10))

    assert served == []
    assert content_length in caught.value.message
    assert "limit is 10" in caught.value.message


@pytest.mark.parametrize("content_length", [None, "3", "not-a-number", "-1"])
def test_a_streamed_body_over_the_limit_is_refused(content_length: str | None) -> None:
    served: list[int] = []
    parts = [b"01234", b"56789", b"A", b"never read"]

    with pytest.raises(BodyTooLargeError, match="limit of 10 bytes"):
        asyncio.run(read_limited(_chunks(parts, served), content_length, 10))

    assert served == [5, 5, 1], "reading stops at the first chunk past the limit"
