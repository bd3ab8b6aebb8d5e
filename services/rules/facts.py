"""Facts: the compact form in which the rule engine keeps an event in a subject's state."""

from __future__ import annotations

import functools
import sys
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any

from schemas.identifiers import SOURCE_PREFIX, slug_from_source

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NO_DATA: Mapping[str, Any] = MappingProxyType({})
MICROSECOND = timedelta(microseconds=1)


def to_micros(moment: datetime) -> int:
    """Exact microseconds since the epoch of an aware datetime."""
    return (moment - EPOCH) // MICROSECOND


def from_micros(micros: int) -> datetime:
    """The aware UTC datetime of microseconds since the epoch."""
    return EPOCH + timedelta(microseconds=micros)


def micros(duration: timedelta) -> int:
    """A duration in microseconds."""
    return duration // MICROSECOND


class Fact:
    """One event on a subject, reduced to what rules use: time, identity, type, buurt, some data fields.

    `matched` caches, per compiled matcher, whether the fact satisfies it (conditions are evaluated once).
    """

    __slots__ = ("_matched", "buurt", "data", "evidence", "id", "org", "t", "type")

    def __init__(
        self, t: int, org: str, id: str, type: str, buurt: str, data: Mapping[str, Any] | None = None
    ):
        # A subject's state holds many facts: share what repeats (names, codes, empty data).
        self.t = t
        self.org = sys.intern(org)
        self.id = id
        self.type = sys.intern(type)
        self.buurt = sys.intern(buurt)
        self.data: Mapping[str, Any] = data or _NO_DATA
        self._matched: dict[int, bool] | None = None
        # The Evidence the engine publishes for this fact, made once (see services.rules.engine).
        self.evidence: object | None = None

    @property
    def matched(self) -> dict[int, bool]:
        """Per compiled matcher id, whether this fact satisfies it (created on first use)."""
        if self._matched is None:
            self._matched = {}
        return self._matched

    @property
    def sort_key(self) -> tuple[int, str, str]:
        """Event-time order; ties broken by source and id, so that the order never depends on arrival."""
        return (self.t, self.org, self.id)

    @property
    def key(self) -> tuple[str, str]:
        """The event's identity: (organisation, id), i.e. (source, id)."""
        return (self.org, self.id)

    @property
    def source(self) -> str:
        return SOURCE_PREFIX + self.org

    def to_json(self) -> list[Any]:
        return [self.t, self.org, self.id, self.type, self.buurt, dict(self.data)]

    @classmethod
    def from_json(cls, item: list[Any]) -> Fact:
        t, org, event_id, event_type, buurt, data = item
        return cls(int(t), str(org), str(event_id), str(event_type), str(buurt), data)

    def __repr__(self) -> str:
        return f"Fact({self.type} {self.org}/{self.id} @{from_micros(self.t).isoformat()})"


class SubjectEvent:
    """An event as the engine receives it: a fact and the subject it is about."""

    __slots__ = ("fact", "subject")

    def __init__(self, subject: str, fact: Fact) -> None:
        self.subject = subject
        self.fact = fact


def parse_time(value: str) -> datetime:
    """An RFC 3339 time of the wire format (with `Z` or an offset)."""
    return datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))


@functools.lru_cache(maxsize=4096)
def _org_of(source: str) -> str:
    org = slug_from_source(source)
    if org is None:
        raise ValueError("event source is not an organisation source")
    return org


def subject_event_from_wire(
    event: Mapping[str, Any], keep_fields: frozenset[str] = frozenset()
) -> SubjectEvent:
    """Build a SubjectEvent from a CloudEvent dict as it travels on `buurt.events`."""
    org = _org_of(str(event["source"]))
    data = event.get("data") or {}
    kept = {name: data[name] for name in keep_fields if name in data} if keep_fields else {}
    return SubjectEvent(
        str(event["subject"]),
        Fact(
            to_micros(parse_time(str(event["time"]))),
            org,
            str(event["id"]),
            str(event["type"]),
            str(event["buurt"]),
            kept,
        ),
    )
