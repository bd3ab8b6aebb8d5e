"""Facts: the compact form in which the rule engine keeps an event in a subject's state."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from schemas.identifiers import SOURCE_PREFIX, slug_from_source

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


def to_micros(moment: datetime) -> int:
    """Exact microseconds since the epoch of an aware datetime."""
    return (moment - EPOCH) // MICROSECOND


def from_micros(micros: int) -> datetime:
    """The aware UTC datetime of microseconds since the epoch."""
    return EPOCH + timedelta(microseconds=micros)


@dataclass(frozen=True, slots=True)
class Fact:
    """One event on a subject, reduced to what rules use."""

    t: int
    org: str
    id: str
    type: str
    buurt: str
    data: Mapping[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str]:
        """The event's identity: (organisation, id), i.e. (source, id)."""
        return (self.org, self.id)

    @property
    def source(self) -> str:
        return SOURCE_PREFIX + self.org

    @property
    def sort_key(self) -> tuple[int, str, str]:
        return (self.t, self.org, self.id)

    def to_json(self) -> list[Any]:
        return [self.t, self.org, self.id, self.type, self.buurt, dict(self.data)]

    @classmethod
    def from_json(cls, item: list[Any]) -> Fact:
        t, org, event_id, event_type, buurt, data = item
        return cls(
            t=int(t), org=str(org), id=str(event_id), type=str(event_type), buurt=str(buurt), data=data
        )


@dataclass(frozen=True)
class SubjectEvent:
    """An event as the engine receives it: a fact and the subject it is about."""

    subject: str
    fact: Fact


def subject_event_from_wire(
    event: Mapping[str, Any], keep_fields: frozenset[str] = frozenset()
) -> SubjectEvent:
    """Build a SubjectEvent from a validated CloudEvent dict as it travels on `buurt.events`."""
    org = slug_from_source(str(event["source"]))
    if org is None:
        raise ValueError("event source is not an organisation source")
    moment = datetime.fromisoformat(str(event["time"]).replace("Z", "+00:00"))
    data = event.get("data") or {}
    kept = {name: data[name] for name in keep_fields if name in data}
    return SubjectEvent(
        subject=str(event["subject"]),
        fact=Fact(
            t=to_micros(moment),
            org=org,
            id=str(event["id"]),
            type=str(event["type"]),
            buurt=str(event["buurt"]),
            data=kept,
        ),
    )
