"""Record helpers: compact deterministic JSON, header lookup."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.broker.records import (
    CLOUDEVENTS_JSON,
    CONTENT_TYPE_HEADER,
    TRACEPARENT_HEADER,
    OutboundRecord,
    dumps,
    header,
)

TRACEPARENT = b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def test_dumps_is_compact_and_sorted() -> None:
    document = {"z": 1, "a": [1, 2, {"y": None, "b": True}], "m": "x"}

    encoded = dumps(document)

    assert encoded == b'{"a":[1,2,{"b":true,"y":null}],"m":"x","z":1}'
    assert json.loads(encoded) == document


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=20,
)


@given(_JSON)
def test_dumps_writes_exactly_what_the_standard_library_writes(document: Any) -> None:
    """The journal's content hashes are taken over this text: it must not change with the encoder."""
    standard = json.dumps(document, separators=(",", ":"), sort_keys=True, ensure_ascii=False)

    assert dumps(document) == standard.encode("utf-8")


@pytest.mark.parametrize("number", [1e-05, 1.5e-7, -3e-300, 2**70, 1e16, 0.0001, 123456789.125])
def test_dumps_keeps_the_standard_form_of_awkward_numbers(number: float) -> None:
    assert dumps({"n": number}) == json.dumps({"n": number}, separators=(",", ":")).encode("utf-8")


def test_dumps_does_not_depend_on_insertion_order() -> None:
    one: dict[str, Any] = {"source": "urn:nl:wijkbrug:org:woco", "id": "e-1", "data": {"b": 2, "a": 1}}
    other: dict[str, Any] = {"data": {"a": 1, "b": 2}, "id": "e-1", "source": "urn:nl:wijkbrug:org:woco"}

    assert dumps(one) == dumps(other)


def test_dumps_writes_utf8_not_escapes() -> None:
    encoded = dumps({"title": "Café de Dapper: één speeltuin", "straat": "Ĳsselstraat"})

    assert "é".encode() in encoded
    assert "Ĳ".encode() in encoded
    assert b"\\u" not in encoded
    assert json.loads(encoded)["straat"] == "Ĳsselstraat"


HEADERS = [
    (CONTENT_TYPE_HEADER, CLOUDEVENTS_JSON),
    ("Traceparent", TRACEPARENT),
    ("x-binary", b"\xff\xfe"),
    ("x-dup", b"first"),
    ("x-dup", b"second"),
]


@pytest.mark.parametrize(
    ("headers", "name", "expected"),
    [
        (HEADERS, CONTENT_TYPE_HEADER, "application/cloudevents+json"),
        (HEADERS, "Content-Type", "application/cloudevents+json"),
        (HEADERS, TRACEPARENT_HEADER, TRACEPARENT.decode()),
        (HEADERS, "TRACEPARENT", TRACEPARENT.decode()),
        (HEADERS, "x-dup", "first"),
        (HEADERS, "x-binary", None),
        (HEADERS, "tracestate", None),
        ([], "traceparent", None),
        (None, "traceparent", None),
    ],
    ids=[
        "exact",
        "name-in-other-case",
        "header-in-other-case",
        "both-upper",
        "first-of-duplicates",
        "not-utf8",
        "absent",
        "no-headers",
        "none",
    ],
)
def test_header_lookup(headers: list[tuple[str, bytes]] | None, name: str, expected: str | None) -> None:
    assert header(headers, name) == expected


def test_outbound_record_defaults_to_no_headers() -> None:
    record = OutboundRecord(topic="t", key=None, value=b"{}")

    assert tuple(record.headers) == ()
    assert header(record.headers, CONTENT_TYPE_HEADER) is None
