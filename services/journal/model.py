"""Value objects of the ingest journal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


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
