"""Overlapping states: two intervals on one subject active at once, in either order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from services.rules.facts import Fact, micros
from services.rules.kinds.match import Match
from services.rules.matchers import ConditionCache
from services.rules.model import Interval, OverlapPattern

OPEN_END = 2**62


@dataclass
class Span:
    """A period in which a state was active, with the events that started or renewed it."""

    start: int
    end: int = OPEN_END
    members: list[Fact] = field(default_factory=list)


class IntervalSpec:
    """A compiled interval."""

    def __init__(self, interval: Interval, cache: ConditionCache) -> None:
        self.start = cache.matchers(interval.start)
        self.end = cache.matchers(interval.end) if interval.end else None
        self.max_duration = micros(interval.max_duration) if interval.max_duration else None
        self.types = self.start.types | (self.end.types if self.end else frozenset())
        self.fields = self.start.fields | (self.end.fields if self.end else frozenset())

    def spans(self, facts: Sequence[Fact]) -> list[Span]:
        """The periods in which the state is active, from facts in event-time order."""
        result: list[Span] = []
        current: Span | None = None
        expires = OPEN_END
        for fact in facts:
            if fact.type not in self.types:
                continue
            if current is not None and fact.t > expires:
                current.end = expires
                result.append(current)
                current = None
            if self.start(fact):
                if current is None:
                    current = Span(start=fact.t)
                current.members.append(fact)
                if self.max_duration is not None:
                    expires = fact.t + self.max_duration
            elif self.end is not None and current is not None and self.end(fact):
                current.end = fact.t
                result.append(current)
                current = None
        if current is not None:
            current.end = expires
            result.append(current)
        return result


class OverlapEvaluator:
    """One match covering every period in which both states were active."""

    clocked = False

    def __init__(self, pattern: OverlapPattern, cache: ConditionCache) -> None:
        self.first = IntervalSpec(pattern.first, cache)
        self.second = IntervalSpec(pattern.second, cache)
        self.types = self.first.types | self.second.types
        self.fields = self.first.fields | self.second.fields

    def matches(self, facts: Sequence[Fact], clock: int) -> list[Match]:
        firsts = self.first.spans(facts)
        if not firsts:
            return []
        seconds = self.second.spans(facts)
        opened_at: int | None = None
        evidence: dict[tuple[str, str], Fact] = {}
        for first in firsts:
            for second in seconds:
                begin, finish = max(first.start, second.start), min(first.end, second.end)
                if begin >= finish:
                    continue
                opened_at = begin if opened_at is None else min(opened_at, begin)
                for fact in (*first.members, *second.members):
                    if fact.t < finish:
                        evidence[fact.key] = fact
        if opened_at is None:
            return []
        return [
            Match(opened_at=opened_at, evidence=tuple(sorted(evidence.values(), key=lambda f: f.sort_key)))
        ]

    def wakeup(self, facts: Sequence[Fact], clock: int) -> int | None:
        return None

    def evaluate(self, facts: Sequence[Fact], clock: int) -> tuple[list[Match], int | None]:
        return self.matches(facts, clock), None

    def keep(self, facts: Sequence[Fact], cutoff: int) -> set[tuple[str, str]]:
        # A state that is still active (or ended after the cutoff) needs the event that started it.
        # With a maximum duration every renewal counts, so all of an active state's events are kept.
        kept: set[tuple[str, str]] = set()
        for spec in (self.first, self.second):
            for span in spec.spans(facts):
                if span.end >= cutoff and span.members:
                    members = span.members if spec.max_duration is not None else span.members[:1]
                    kept.update(fact.key for fact in members)
        return kept
