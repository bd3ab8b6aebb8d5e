import json
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from schemas.deadletter import (
    MAX_RECORD_BYTES,
    DeadLetterIssue,
    DeadLetterRecord,
    Origin,
    dead_letter,
    scrub_record,
)
from schemas.issues import Issue
from schemas.privacy import REDACTED, find_bsn_fields

BSN = "123456782"
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def test_dead_letter_redacts_the_record() -> None:
    record = {"subject": f"hh:{BSN}", "data": {"n": int(BSN), BSN: "k"}}
    letter = dead_letter(
        "bsn_detected",
        [Issue("subject", "bsn_detected", "subject contains a number that could be a BSN")],
        record,
        producer="processor.router",
        origin=Origin(topic="wijkbrug.inbound.woonstad", partition=3, offset=123_456_782, key=BSN),
        now=NOW,
    )
    assert letter.record == {"subject": f"hh:{REDACTED}", "data": {"n": REDACTED, REDACTED: "k"}}
    assert record["subject"] == f"hh:{BSN}"
    assert letter.origin is not None
    assert letter.origin.key == REDACTED
    assert letter.origin.offset == 123_456_782
    assert letter.issues == [
        DeadLetterIssue(field="subject", code="bsn_detected", message=letter.issues[0].message)
    ]
    assert BSN not in letter.model_dump_json(exclude={"origin": {"offset"}})


def test_round_trip() -> None:
    letter = dead_letter(
        "validation_failed",
        [
            Issue(
                "data.amount_eur",
                "invalid_data",
                "data.amount_eur: Input should be greater than or equal to 0",
            )
        ],
        {"id": "evt-1"},
        producer="connector:signalen",
        position="row 17",
        now=NOW,
    )
    wire = letter.model_dump(mode="json")
    assert wire["received_at"] == "2025-03-01T12:00:00Z"
    assert wire["origin"] is None
    assert wire["issues"] == [
        {
            "field": "data.amount_eur",
            "code": "invalid_data",
            "message": "data.amount_eur: Input should be greater than or equal to 0",
        }
    ]
    assert DeadLetterRecord.model_validate(json.loads(json.dumps(wire))) == letter


def test_undecodable_bytes_are_decoded_redacted_and_truncated() -> None:
    payload = b"\xff\xfe" + f" {BSN} ".encode() + b"x" * (2 * MAX_RECORD_BYTES) + f" {BSN}".encode()
    letter = dead_letter("undecodable", [], payload, producer="processor.router", now=NOW)
    assert isinstance(letter.record, str)
    assert letter.record.startswith("\ufffd\ufffd [REDACTED] ")
    assert len(letter.record.encode()) <= MAX_RECORD_BYTES
    assert BSN not in letter.record


def test_redaction_happens_before_truncation() -> None:
    text = "x" * (MAX_RECORD_BYTES - 4) + f" {BSN}"
    scrubbed = scrub_record(text)
    assert BSN[:3] not in scrubbed[-12:]
    assert scrubbed.endswith(" [RE")
    assert len(scrubbed) == MAX_RECORD_BYTES


def test_truncation_respects_utf8_boundaries() -> None:
    scrubbed = scrub_record("é" * MAX_RECORD_BYTES)
    assert isinstance(scrubbed, str)
    assert set(scrubbed) == {"é"}
    assert len(scrubbed.encode()) == MAX_RECORD_BYTES


@pytest.mark.parametrize(
    "record",
    [{"a": [1, 2, {"b": None}]}, [1, "two"], "plain", 3, None],
)
def test_harmless_records_are_kept(record: Any) -> None:
    assert dead_letter("unplaceable", [], record, producer="processor.router", now=NOW).record == record


def test_record_read_back_is_redacted_too() -> None:
    letter = DeadLetterRecord.model_validate(
        {
            "reason": "validation_failed",
            "issues": [{"field": f"data.{BSN}", "code": "invalid_data", "message": f"bad {BSN}"}],
            "producer": "processor.router",
            "position": BSN,
            "received_at": "2025-03-01T12:00:00Z",
            "record": {"x": BSN},
        }
    )
    assert find_bsn_fields(letter.model_dump(mode="json")) == []


@pytest.mark.parametrize(
    "changes",
    [
        {"reason": "Validation Failed"},
        {"producer": ""},
        {"received_at": "2025-03-01T12:00:00"},
        {"origin": {"topic": "t", "partition": -1, "offset": 0}},
        {"extra": 1},
    ],
)
def test_rejects(changes: dict[str, Any]) -> None:
    raw: dict[str, Any] = {
        "reason": "validation_failed",
        "issues": [],
        "producer": "processor.router",
        "received_at": "2025-03-01T12:00:00Z",
        "record": None,
    }
    raw.update(changes)
    with pytest.raises(ValidationError):
        DeadLetterRecord.model_validate(raw)


def test_default_received_at_is_now() -> None:
    before = datetime.now(UTC)
    letter = dead_letter("unplaceable", [], {}, producer="processor.router")
    assert before <= letter.received_at <= datetime.now(UTC)
