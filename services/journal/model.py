"""Value objects of the ingest journal."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from services.broker.records import dumps


class JournalState(StrEnum):
    """Where an accepted event is: recorded but not yet acknowledged by the broker, or published."""

    PENDING = "pending"
    PUBLISHED = "published"


@dataclass(frozen=True)
class JournalRecord:
    """One accepted event as it goes onto its inbound topic."""

    source: str
    event_id: str
    org_slug: str
    type: str
    content_hash: str
    topic: str
    key: str
    record: str
    traceparent: str | None = None

    @classmethod
    def of(cls, wire: dict[str, Any], *, source: str, org_slug: str, topic: str, key: str) -> JournalRecord:
        """The record of a canonical event: its compact JSON and the SHA-256 over it (the content hash)."""
        value = dumps(wire)
        return cls(
            source=source,
            event_id=str(wire["id"]),
            org_slug=org_slug,
            type=str(wire["type"]),
            content_hash=hashlib.sha256(value).hexdigest(),
            topic=topic,
            key=key,
            record=value.decode("utf-8"),
        )


@dataclass(frozen=True)
class KnownEvent:
    """What the journal knows of an event id already seen."""

    content_hash: str
    state: JournalState


@dataclass(frozen=True)
class ReplayItem:
    """A journal entry handed to the broker again, in acceptance order."""

    seq: int
    topic: str
    key: str
    record: str
    traceparent: str | None
    accepted_at: datetime
