from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from schemas.catalogue import CATALOGUE
from schemas.data.base import GeoPoint
from schemas.errors import EventValidationError, SchemaError
from schemas.identifiers import SubjectKind
from schemas.samples import SAMPLE_SUBJECTS, sample_event
from schemas.validation import Issue, ValidatedEvent, source_and_type, validate_event

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
ARREARS = "nl.wijkbrug.housing.arrears.signalled"
CARE = "nl.wijkbrug.social.care.started"
RENOVATION = "nl.wijkbrug.housing.renovation.planned"
DECISION = "nl.wijkbrug.taskforce.decision.made"
BSN = "123456782"  # passes the 11-proef (see test_privacy)
OTHER_BSN = "111222333"
LOCATION = {"lat": 52.3791, "lon": 4.8999}


def event(type_name: str = ARREARS, **changes: Any) -> dict[str, Any]:
    """A valid sample event with attributes replaced; ``...`` removes an attribute."""
    raw = sample_event(type_name)
    for key, value in changes.items():
        if value is ...:
            raw.pop(key, None)
        else:
            raw[key] = value
    return raw


def with_data(type_name: str = ARREARS, **changes: Any) -> dict[str, Any]:
    raw = event(type_name)
    for key, value in changes.items():
        if value is ...:
            raw["data"].pop(key, None)
        else:
            raw["data"][key] = value
    return raw


def issues_of(raw: Any) -> list[Issue]:
    with pytest.raises(EventValidationError) as excinfo:
        validate_event(raw, now=NOW)
    assert isinstance(excinfo.value, SchemaError)
    return excinfo.value.issues


@pytest.mark.parametrize(
    ("raw", "code", "field"),
    [
        ([], "not_an_object", ""),
        ("event", "not_an_object", ""),
        (None, "not_an_object", ""),
        (event(id=...), "missing_attribute", "id"),
        (event(specversion=...), "missing_attribute", "specversion"),
        (event(source=...), "missing_attribute", "source"),
        (event(type=...), "missing_attribute", "type"),
        (event(time=...), "missing_attribute", "time"),
        (event(subject=...), "missing_attribute", "subject"),
        (event(data=...), "missing_attribute", "data"),
        (event(specversion="0.3"), "invalid_attribute", "specversion"),
        (event(specversion=1.0), "invalid_attribute", "specversion"),
        (event(id=""), "invalid_attribute", "id"),
        (event(id="   "), "invalid_attribute", "id"),
        (event(id="a\nb"), "invalid_attribute", "id"),
        (event(id=42), "invalid_attribute", "id"),
        (event(time="2025-03-01"), "invalid_attribute", "time"),
        (event(time="2025-03-01T09:30:00"), "invalid_attribute", "time"),
        (event(time=1_740_821_400), "invalid_attribute", "time"),
        (event(datacontenttype="text/plain"), "invalid_attribute", "datacontenttype"),
        (event(traceparent="not-a-traceparent"), "invalid_attribute", "traceparent"),
        (event(type=7), "invalid_attribute", "type"),
        (event(foo="bar"), "unknown_attribute", "foo"),
        (event(data_base64="e30="), "unknown_attribute", "data_base64"),
        (event(source="urn:nl:wijkbrug:org:Woonstad"), "invalid_source", "source"),
        (event(source="https://woonstad.nl"), "invalid_source", "source"),
        (event(source="urn:nl:wijkbrug:org:a"), "invalid_source", "source"),
        (event(subject="bsn:abcdefgh"), "invalid_subject", "subject"),
        (event(subject="hh:short"), "invalid_subject", "subject"),
        (event(subject="hh:has spaces in it"), "invalid_subject", "subject"),
        (event(subject=12345678), "invalid_subject", "subject"),
        (event(CARE, subject=SAMPLE_SUBJECTS[SubjectKind.LOCATION]), "subject_kind_not_allowed", "subject"),
        (
            event(RENOVATION, subject=SAMPLE_SUBJECTS[SubjectKind.HOUSEHOLD]),
            "subject_kind_not_allowed",
            "subject",
        ),
        (event(buurt="BU0363ae01"), "invalid_buurt", "buurt"),
        (event(buurt="WK036300"), "invalid_buurt", "buurt"),
        (event(type="nl.wijkbrug.housing.arrears.paid"), "unknown_type", "type"),
        (event(type="com.example.arrears"), "unknown_type", "type"),
        (event(buurt=...), "missing_location", "buurt"),
        (event(buurt=None), "missing_location", "buurt"),
        (with_data(location=None) | {"buurt": None}, "missing_location", "buurt"),
        (event(data=[]), "invalid_data", "data"),
        (with_data(months_in_arrears=-1), "invalid_data", "data.months_in_arrears"),
        (with_data(amount_eur="12"), "invalid_data", "data.amount_eur"),
        (with_data(amount_eur=...), "invalid_data", "data.amount_eur"),
        (with_data(note="extra"), "invalid_data", "data.note"),
        (with_data(location={"lat": 100, "lon": 4.9}), "invalid_data", "data.location.lat"),
        (with_data(CARE, kind="zorg"), "invalid_data", "data.kind"),
        (with_data(RENOVATION, end_date="2025-01-01"), "invalid_data", "data"),
        (
            with_data(DECISION, instructions=[{"org": "Bad Org", "action": "x"}]),
            "invalid_data",
            "data.instructions[0].org",
        ),
        (event(subject=f"hh:{BSN}"), "bsn_detected", "subject"),
        (event(id=BSN), "bsn_detected", "id"),
        (with_data(amount_eur=int(BSN)), "bsn_detected", "data.amount_eur"),
        (with_data(CARE, product_code=f"code {BSN}"), "bsn_detected", "data.product_code"),
        (
            with_data(DECISION, instructions=[{"org": "woonstad", "action": f"bel {BSN}"}]),
            "bsn_detected",
            "data.instructions[0].action",
        ),
        (event(note=f"BSN {BSN}."), "bsn_detected", "note"),
        (event(time="2025-03-01T12:10:00Z"), "time_in_future", "time"),
        (event(time="2025-03-01T13:10:00+01:00"), "time_in_future", "time"),
    ],
)
def test_bad_inputs(raw: Any, code: str, field: str) -> None:
    found = [(issue.code, issue.field) for issue in issues_of(raw)]
    assert (code, field) in found


@pytest.mark.parametrize("name", list(CATALOGUE))
def test_a_valid_event_of_each_type(name: str) -> None:
    raw = sample_event(name)
    validated = validate_event(raw, now=NOW)
    assert isinstance(validated, ValidatedEvent)
    assert validated.event_type is CATALOGUE[name]
    assert isinstance(validated.data, CATALOGUE[name].data_model)
    assert validated.org_slug == "example-org"
    assert validated.location is None
    wire = validated.to_wire()
    assert wire["type"] == name
    assert validate_event(wire, now=NOW).to_wire() == wire


def test_minimal_event_without_optional_attributes() -> None:
    raw = event(datacontenttype=...)
    raw["data"] = {"months_in_arrears": 0, "amount_eur": 0}
    wire = validate_event(raw, now=NOW).to_wire()
    assert wire["data"] == {"months_in_arrears": 0, "amount_eur": 0.0}
    assert "datacontenttype" not in wire


def test_time_skew_boundary_and_default_clock() -> None:
    validate_event(event(time="2025-03-01T12:05:00Z"), now=NOW)
    issues = issues_of(event(time="2025-03-01T12:05:01Z"))
    assert [issue.code for issue in issues] == ["time_in_future"]
    assert "5 minute" in issues[0].message
    validate_event(event(time="2025-03-01T12:05:01Z"), now=NOW, max_future_skew=timedelta(minutes=10))
    validate_event(event(time="2000-01-01T00:00:00Z"))


def test_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        validate_event(event(), now=datetime(2025, 3, 1))


def test_naive_time_is_rejected_with_a_clear_message() -> None:
    issues = issues_of(event(time="2025-03-01T09:30:00"))
    assert [(issue.code, issue.field) for issue in issues] == [("invalid_attribute", "time")]
    assert "UTC offset" in issues[0].message


def test_location_instead_of_buurt() -> None:
    raw = event(buurt=...)
    raw["data"]["location"] = LOCATION
    validated = validate_event(raw, now=NOW)
    assert validated.location == GeoPoint(lat=52.3791, lon=4.8999)
    assert validated.envelope.buurt is None
    assert "buurt" not in validated.to_wire()
    assert validated.to_wire()["data"]["location"] == LOCATION


def test_missing_location_message() -> None:
    issues = issues_of(event(buurt=...))
    assert [(issue.code, issue.field) for issue in issues] == [("missing_location", "buurt")]
    assert "no buurt and no data.location" in issues[0].message


def test_subject_messages() -> None:
    (issue,) = issues_of(event(subject="123456789012"))
    assert issue.code == "invalid_subject"
    assert "pseudonym" in issue.message
    assert "hh:|loc:|ini:|cx:" in issue.message
    assert "8-128" in issue.message
    (issue,) = issues_of(event(CARE, subject=SAMPLE_SUBJECTS[SubjectKind.INITIATIVE]))
    assert issue.code == "subject_kind_not_allowed"
    assert "ini:" in issue.message


def test_data_issue_per_error_named_by_path() -> None:
    raw = event()
    raw["data"] = {"months_in_arrears": "two", "amount_eur": -5, "extra": 1}
    issues = issues_of(raw)
    assert [(issue.code, issue.field) for issue in issues] == [
        ("invalid_data", "data.months_in_arrears"),
        ("invalid_data", "data.amount_eur"),
        ("invalid_data", "data.extra"),
    ]
    assert issues[2].message == "data.extra: unknown field"
    assert all(issue.message.startswith(issue.field) for issue in issues)
    assert "two" not in " ".join(issue.message for issue in issues)


def test_collects_all_issues() -> None:
    raw = event(
        CARE,
        specversion="2.0",
        source="woonstad",
        subject=SAMPLE_SUBJECTS[SubjectKind.LOCATION],
        buurt=...,
        time="2030-01-01T00:00:00Z",
        extra="x",
    )
    raw["data"] = {"kind": "other"}
    codes = {(issue.code, issue.field) for issue in issues_of(raw)}
    assert codes == {
        ("invalid_attribute", "specversion"),
        ("invalid_source", "source"),
        ("unknown_attribute", "extra"),
        ("subject_kind_not_allowed", "subject"),
        ("invalid_data", "data.kind"),
        ("missing_location", "buurt"),
        ("time_in_future", "time"),
    }


def test_bsn_is_reported_everywhere_and_never_echoed() -> None:
    raw = event(
        CARE,
        id=f"evt {BSN}",
        subject=f"hh:{BSN}",
        note=OTHER_BSN,
        **{BSN: "extension named like a BSN"},
    )
    raw["data"] = {"kind": BSN, "product_code": int(OTHER_BSN), OTHER_BSN: "x"}
    with pytest.raises(EventValidationError) as excinfo:
        validate_event(raw, now=NOW)
    issues = excinfo.value.issues
    bsn_fields = [issue.field for issue in issues if issue.code == "bsn_detected"]
    assert bsn_fields == [
        "id",
        "subject",
        "data.kind",
        "data.product_code",
        "data.[REDACTED]",
        "note",
        "[REDACTED]",
    ]
    assert issues[: len(bsn_fields)] == [issue for issue in issues if issue.code == "bsn_detected"]
    assert issues[0].message == (
        "id contains a number that could be a BSN (9 digits passing the 11-proef); "
        "send pseudonyms, never a BSN"
    )
    everything = str(excinfo.value) + repr(issues) + repr(excinfo.value.args)
    for number in (BSN, OTHER_BSN):
        assert number not in everything


def test_bsn_only_issue_on_otherwise_valid_event() -> None:
    raw = event(subject=f"hh:{BSN}")
    assert [(issue.code, issue.field) for issue in issues_of(raw)] == [("bsn_detected", "subject")]


def test_numbers_inside_identifiers_are_not_a_bsn() -> None:
    raw = event(id=f"550e8400-e29b-41d4-a716-{BSN}123", subject=f"hh:a{BSN}b")
    validate_event(raw, now=NOW)


def test_issue_as_dict_and_error_codes() -> None:
    with pytest.raises(EventValidationError) as excinfo:
        validate_event(event(buurt="nope", foo=1), now=NOW)
    assert excinfo.value.codes == ["invalid_buurt", "unknown_attribute"]
    assert excinfo.value.issues[0].as_dict() == {
        "field": "buurt",
        "code": "invalid_buurt",
        "message": excinfo.value.issues[0].message,
    }


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (event(), ("urn:nl:wijkbrug:org:example-org", ARREARS)),
        ({"source": 1, "type": ["x"]}, (None, None)),
        ({"source": "urn:nl:wijkbrug:org:x"}, ("urn:nl:wijkbrug:org:x", None)),
        ([], (None, None)),
        ("text", (None, None)),
    ],
)
def test_source_and_type(raw: Any, expected: tuple[str | None, str | None]) -> None:
    assert source_and_type(raw) == expected
