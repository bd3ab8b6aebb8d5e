"""The record on topic ``wijkbrug.deadletter``: a rejected record with the reason, never carrying a BSN."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from schemas.fields import CODE_MAX_LENGTH
from schemas.issues import Issue
from schemas.privacy import redact, redact_text
from schemas.timestamps import Rfc3339Time

MAX_RECORD_BYTES = 64 * 1024
"""Undecodable (bytes) and plain-text records are cut to this many UTF-8 bytes."""

MAX_ISSUE_TEXT_BYTES = 4096
"""Issue fields and messages are cut to this many UTF-8 bytes."""

ReasonCode = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]


def _truncate_utf8(text: str, limit: int = MAX_RECORD_BYTES) -> str:
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    return encoded[:limit].decode("utf-8", errors="ignore")


def scrub_record(record: Any) -> Any:
    """Make a rejected record safe for the dead-letter topic.

    Bytes are decoded with replacement characters; every possible BSN is redacted (before cutting, so no
    part of one survives); a textual record is then cut to 64 KiB.
    """
    cleaned = redact(record)
    if isinstance(cleaned, str):
        return _truncate_utf8(cleaned)
    return cleaned


class DeadLetterIssue(BaseModel):
    """One reason a record was rejected."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    field: str
    code: Annotated[str, Field(min_length=1, max_length=CODE_MAX_LENGTH)]
    message: str

    @field_validator("field", "message", mode="after")
    @classmethod
    def _redact(cls, value: str) -> str:
        return _truncate_utf8(redact_text(value), MAX_ISSUE_TEXT_BYTES)

    @classmethod
    def from_issue(cls, issue: Issue) -> DeadLetterIssue:
        """Convert a validation issue."""
        return cls(field=issue.field, code=issue.code, message=issue.message)


class Origin(BaseModel):
    """Where the rejected record was read from, when it came from a Kafka topic."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    topic: Annotated[str, Field(min_length=1, max_length=249)]
    partition: Annotated[int, Field(ge=0)]
    offset: Annotated[int, Field(ge=0)]
    key: str | None = None

    @field_validator("key", mode="after")
    @classmethod
    def _redact_key(cls, value: str | None) -> str | None:
        return None if value is None else redact_text(value)


class DeadLetterRecord(BaseModel):
    """A rejected record, why it was rejected and by whom.

    ``record`` is always scrubbed, also when a record is read back from the topic.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    reason: ReasonCode
    issues: list[DeadLetterIssue]
    origin: Origin | None = None
    producer: Annotated[str, Field(min_length=1, max_length=CODE_MAX_LENGTH)]
    position: Annotated[str, Field(max_length=CODE_MAX_LENGTH)] | None = None
    received_at: Rfc3339Time
    record: Any

    @field_validator("record", mode="before")
    @classmethod
    def _scrub(cls, value: Any) -> Any:
        return scrub_record(value)

    @field_validator("position", mode="after")
    @classmethod
    def _redact_position(cls, value: str | None) -> str | None:
        return None if value is None else redact_text(value)


def dead_letter(
    reason: str,
    issues: Iterable[Issue | DeadLetterIssue],
    record: Any,
    *,
    producer: str,
    origin: Origin | None = None,
    position: str | None = None,
    now: datetime | None = None,
) -> DeadLetterRecord:
    """Build a dead-letter record stamped ``now`` (default: the wall clock).

    The record is redacted (and, if bytes or text, cut to 64 KiB) by the model itself, see ``scrub_record``.
    """
    return DeadLetterRecord(
        reason=reason,
        issues=[
            item if isinstance(item, DeadLetterIssue) else DeadLetterIssue.from_issue(item) for item in issues
        ],
        origin=origin,
        producer=producer,
        position=position,
        received_at=now if now is not None else datetime.now(UTC),
        record=record,
    )
