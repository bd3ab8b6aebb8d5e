"""Validation of incoming events against the v1 contract, collecting every issue with a stable code.

Order: the BSN scan over the whole raw event, then the envelope, the catalogue type, the subject kind, the
payload, the presence of a buurt or location, and the time skew. Messages are built from field paths and fixed
texts only, never from the input, and every field path and message is passed through the BSN redactor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from schemas.catalogue import CATALOGUE, EventType
from schemas.data.base import EventData, GeoPoint
from schemas.envelope import CloudEvent
from schemas.errors import EventValidationError
from schemas.identifiers import SUBJECT_KINDS, SUBJECT_RE
from schemas.issues import Issue
from schemas.privacy import find_bsn_fields, redact_text
from schemas.timestamps import Rfc3339Time

__all__ = [
    "EventValidationError",
    "Issue",
    "ValidatedEvent",
    "source_and_type",
    "validate_event",
]

NOT_AN_OBJECT = "not_an_object"
MISSING_ATTRIBUTE = "missing_attribute"
INVALID_ATTRIBUTE = "invalid_attribute"
UNKNOWN_ATTRIBUTE = "unknown_attribute"
INVALID_SOURCE = "invalid_source"
INVALID_SUBJECT = "invalid_subject"
SUBJECT_KIND_NOT_ALLOWED = "subject_kind_not_allowed"
INVALID_BUURT = "invalid_buurt"
UNKNOWN_TYPE = "unknown_type"
MISSING_LOCATION = "missing_location"
INVALID_DATA = "invalid_data"
BSN_DETECTED = "bsn_detected"
TIME_IN_FUTURE = "time_in_future"

SUBJECT_MESSAGE = (
    "subject is not a pseudonym of the form hh:|loc:|ini:|cx: followed by 8-128 characters of [A-Za-z0-9_-]"
)

_TIME_ADAPTER: TypeAdapter[datetime] = TypeAdapter(Rfc3339Time)


@dataclass(frozen=True)
class ValidatedEvent:
    """An event that satisfies the contract, with its catalogue entry and typed payload."""

    envelope: CloudEvent
    event_type: EventType
    data: EventData
    org_slug: str
    location: GeoPoint | None

    def to_wire(self) -> dict[str, Any]:
        """The canonical JSON-able event; ``data`` is the typed payload, absent optional fields omitted."""
        wire = self.envelope.wire_attributes()
        wire["data"] = self.data.model_dump(mode="json", exclude_none=True)
        return wire


def source_and_type(raw: Any) -> tuple[str | None, str | None]:
    """Extract ``source`` and ``type`` without validating (None where absent or not a string)."""
    if not isinstance(raw, dict):
        return None, None
    source = raw.get("source")
    event_type = raw.get("type")
    return (
        source if isinstance(source, str) else None,
        event_type if isinstance(event_type, str) else None,
    )


def _bsn_message(path: str) -> str:
    where = path or "the event"
    return (
        f"{where} contains a number that could be a BSN (9 digits passing the 11-proef); "
        "send pseudonyms, never a BSN"
    )


def _loc_path(prefix: str, loc: Sequence[int | str]) -> str:
    path = prefix
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path = f"{path}.{part}" if path else str(part)
    return path


def _readable(error: ErrorDetails) -> str:
    if error["type"] == "missing":
        return "required field is missing"
    if error["type"] == "extra_forbidden":
        return "unknown field"
    return error["msg"].removeprefix("Value error, ")


def _envelope_issue(error: ErrorDetails) -> Issue | None:
    loc = error["loc"]
    name = str(loc[0]) if loc else ""
    path = _loc_path("", loc)
    kind = error["type"]
    if kind == "missing":
        return Issue(path, MISSING_ATTRIBUTE, f"required attribute {path} is missing")
    if kind == "extra_forbidden":
        return Issue(
            path,
            UNKNOWN_ATTRIBUTE,
            f"attribute {path} is not accepted (accepted extensions: buurt, traceparent, tracestate)",
        )
    if name == "type":
        return None  # reported by the catalogue check, which knows whether the type is unknown or malformed
    if name == "source":
        return Issue(path, INVALID_SOURCE, "source must be urn:nl:wijkbrug:org:<org-slug>")
    if name == "subject":
        return Issue(path, INVALID_SUBJECT, SUBJECT_MESSAGE)
    if name == "buurt":
        return Issue(
            path, INVALID_BUURT, "buurt must be a CBS buurtcode of the form BU + 4 digits + 4 of [0-9A-Z]"
        )
    if name == "data":
        return Issue(path, INVALID_DATA, "data must be a JSON object")
    return Issue(path, INVALID_ATTRIBUTE, f"{path}: {_readable(error)}")


def _check_envelope(raw: dict[str, Any], issues: list[Issue]) -> CloudEvent | None:
    try:
        return CloudEvent.model_validate(raw)
    except ValidationError as exc:
        for error in exc.errors(include_url=False, include_input=False, include_context=False):
            issue = _envelope_issue(error)
            if issue is not None:
                issues.append(issue)
        return None


def _check_type(raw: dict[str, Any], issues: list[Issue]) -> EventType | None:
    if "type" not in raw:
        return None  # missing_attribute comes from the envelope
    name = raw["type"]
    if not isinstance(name, str):
        issues.append(Issue("type", INVALID_ATTRIBUTE, "type must be a string"))
        return None
    event_type = CATALOGUE.get(name)
    if event_type is None:
        issues.append(Issue("type", UNKNOWN_TYPE, "unknown type: not an event type of catalogue v1"))
    return event_type


def _check_subject_kind(raw: dict[str, Any], event_type: EventType, issues: list[Issue]) -> None:
    subject = raw.get("subject")
    if not isinstance(subject, str):
        return
    match = SUBJECT_RE.fullmatch(subject)
    if match is None:
        return  # invalid_subject comes from the envelope
    kind = SUBJECT_KINDS[match.group(1)]
    if kind not in event_type.subject_kinds:
        allowed = "|".join(f"{k.value}:" for k in sorted(event_type.subject_kinds))
        issues.append(
            Issue(
                "subject",
                SUBJECT_KIND_NOT_ALLOWED,
                f"subject kind {kind.value}: is not allowed for {event_type.name} (allowed: {allowed})",
            )
        )


def _check_data(raw: dict[str, Any], event_type: EventType, issues: list[Issue]) -> EventData | None:
    data = raw.get("data")
    if not isinstance(data, dict):
        return None  # missing_attribute or invalid_data comes from the envelope
    try:
        return event_type.data_model.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors(include_url=False, include_input=False, include_context=False):
            path = _loc_path("data", error["loc"])
            issues.append(Issue(path, INVALID_DATA, f"{path}: {_readable(error)}"))
        return None


def _check_location(raw: dict[str, Any], issues: list[Issue]) -> None:
    if raw.get("buurt") is not None:
        return
    data = raw.get("data")
    if not isinstance(data, dict) or data.get("location") is not None:
        return
    issues.append(Issue("buurt", MISSING_LOCATION, "no buurt and no data.location: one of them is required"))


def _event_time(raw: dict[str, Any], envelope: CloudEvent | None) -> datetime | None:
    if envelope is not None:
        return envelope.time
    try:
        return _TIME_ADAPTER.validate_python(raw.get("time"))
    except ValidationError:
        return None


def _describe(skew: timedelta) -> str:
    seconds = int(skew.total_seconds())
    if seconds % 60 == 0:
        return f"{seconds // 60} minute(s)"
    return f"{seconds} second(s)"


def _check_time(
    raw: dict[str, Any],
    envelope: CloudEvent | None,
    now: datetime,
    max_future_skew: timedelta,
    issues: list[Issue],
) -> None:
    event_time = _event_time(raw, envelope)
    if event_time is not None and event_time > now + max_future_skew:
        issues.append(
            Issue(
                "time",
                TIME_IN_FUTURE,
                f"time is more than {_describe(max_future_skew)} ahead of the hub's clock",
            )
        )


def _finalise(issues: list[Issue]) -> list[Issue]:
    """Drop repeated (field, code) pairs and pass every text through the BSN redactor."""
    seen: set[tuple[str, str]] = set()
    result: list[Issue] = []
    for issue in issues:
        key = (issue.field, issue.code)
        if key in seen:
            continue
        seen.add(key)
        result.append(Issue(redact_text(issue.field), issue.code, redact_text(issue.message)))
    return result


def validate_event(
    raw: Any,
    *,
    now: datetime | None = None,
    max_future_skew: timedelta = timedelta(minutes=5),
) -> ValidatedEvent:
    """Validate one raw (JSON-decoded) event; raise EventValidationError listing every issue found."""
    if now is None:
        now = datetime.now(UTC)
    elif now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    if not isinstance(raw, dict):
        raise EventValidationError([Issue("", NOT_AN_OBJECT, "an event must be a JSON object")])

    issues = [Issue(path, BSN_DETECTED, _bsn_message(path)) for path in find_bsn_fields(raw)]
    envelope = _check_envelope(raw, issues)
    event_type = _check_type(raw, issues)
    data: EventData | None = None
    if event_type is not None:
        _check_subject_kind(raw, event_type, issues)
        data = _check_data(raw, event_type, issues)
    _check_location(raw, issues)
    _check_time(raw, envelope, now, max_future_skew, issues)

    if issues or envelope is None or event_type is None or data is None:
        raise EventValidationError(_finalise(issues))
    return ValidatedEvent(
        envelope=envelope,
        event_type=event_type,
        data=data,
        org_slug=envelope.org_slug,
        location=data.location,
    )
