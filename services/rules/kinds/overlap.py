"""Overlapping states: two intervals on one subject active at once, in either order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from services.rules.facts import Fact
from services.rules.kinds.match import Match
from services.rules.model import Interval, OverlapPattern

OPEN_END = 2**63


@dataclass
class _Span:
    start: int
    end: int = OPEN_END
    members: list[Fact] = field(default_factory=list)


def spans(facts: Sequence[Fact], interval: Interval) -> list[_Span]:
    """The periods in which `interval` is active, from facts in event-time order."""
    starts, ends = set(interval.start), set(interval.end)
    result: list[_Span] = []
    current: _Span | None = None
    for fact in facts:
        if fact.type in starts:
            if current is None:
                current = _Span(start=fact.t)
            current.members.append(fact)
        elif fact.type in ends and current is not None:
            current.end = fact.t
            result.append(current)
            current = None
    if current is not None:
        result.append(current)
    return result


def evaluate(pattern: OverlapPattern, facts: Sequence[Fact]) -> list[Match]:
    """One match covering every period in which both states were active; none if they never were."""
    opened_at: int | None = None
    evidence: dict[tuple[str, str], Fact] = {}
    for first in spans(facts, pattern.first):
        for second in spans(facts, pattern.second):
            begin, finish = max(first.start, second.start), min(first.end, second.end)
            if begin >= finish:
                continue
            opened_at = begin if opened_at is None else min(opened_at, begin)
            for fact in (*first.members, *second.members):
                if fact.t < finish:
                    evidence[fact.key] = fact
    if opened_at is None:
        return []
    return [Match(opened_at=opened_at, evidence=tuple(sorted(evidence.values(), key=lambda f: f.sort_key)))]
