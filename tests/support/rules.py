"""Building rules, facts and events for the rule engine's tests (times in days after T0)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from schemas.identifiers import TYPE_PREFIX, source_for
from services.rules.facts import Fact, SubjectEvent, micros, to_micros
from services.rules.kinds.match import Match
from services.rules.model import RuleSpec

T0 = datetime(2026, 1, 1, tzinfo=UTC)
DAY = micros(timedelta(days=1))
BUURT = "BU0363AD05"

#: The organisation that publishes a domain's events in these tests.
ORG_OF_DOMAIN = {
    "housing": "woco",
    "social": "gemeente-sd",
    "safety": "politie",
    "municipality": "gemeente",
    "residents": "bewoners",
}


def at(days: float, plus: int = 0) -> int:
    """Event time (µs) `days` after T0, plus `plus` microseconds."""
    return to_micros(T0) + round(days * DAY) + plus


def moment(days: float) -> datetime:
    return T0 + timedelta(days=days)


def iso(days: float) -> str:
    """The RFC 3339 text of `moment(days)` as events carry it."""
    return moment(days).isoformat().replace("+00:00", "Z")


def fact(
    fact_id: str,
    type_suffix: str,
    days: float,
    *,
    org: str | None = None,
    buurt: str = BUURT,
    plus: int = 0,
    **data: Any,
) -> Fact:
    """A fact of catalogue type `nl.wijkbrug.<type_suffix>`, by the domain's organisation unless `org`."""
    return Fact(
        t=at(days, plus),
        org=org or ORG_OF_DOMAIN[type_suffix.split(".", 1)[0]],
        id=fact_id,
        type=TYPE_PREFIX + type_suffix,
        buurt=buurt,
        data=data,
    )


def ordered(facts: Iterable[Fact]) -> list[Fact]:
    """Facts in event-time order, as a subject's state keeps them."""
    return sorted(facts, key=lambda item: item.sort_key)


def subject_event(subject: str, item: Fact) -> SubjectEvent:
    return SubjectEvent(subject, item)


def cloudevent(
    event_id: str,
    type_suffix: str,
    days: float,
    subject: str,
    *,
    org: str | None = None,
    buurt: str = BUURT,
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A CloudEvent as the replay reads it from `buurt.events`."""
    return {
        "specversion": "1.0",
        "id": event_id,
        "source": source_for(org or ORG_OF_DOMAIN[type_suffix.split(".", 1)[0]]),
        "type": TYPE_PREFIX + type_suffix,
        "time": iso(days),
        "subject": subject,
        "buurt": buurt,
        "data": data or {},
    }


def rule(pattern: dict[str, Any], rule_id: str = "test-rule", **changes: Any) -> RuleSpec:
    """A rule with `pattern` on every subject kind but `cx` (other fields overridable)."""
    document: dict[str, Any] = {
        "id": rule_id,
        "title": f"Testregel {rule_id}",
        "severity": "medium",
        "subjects": ["hh", "loc", "ini"],
        "policies": [{"domain": "social", "reference": "Testbeleid", "text": "Een regel om te testen."}],
        "pattern": pattern,
        **changes,
    }
    return RuleSpec.model_validate(document)


Summary = list[tuple[int, list[str], dict[str, Any]]]


def summary(matches: Sequence[Match]) -> Summary:
    """Matches as (opened_at, evidence ids in event-time order, key data), sorted by key data."""
    described = [
        (match.opened_at, [item.id for item in match.evidence], dict(match.key_data)) for match in matches
    ]
    return sorted(described, key=lambda item: sorted(item[2].items()))
