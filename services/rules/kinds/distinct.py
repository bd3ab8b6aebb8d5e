"""Distinct count: events of at least K distinct organisations on one subject within a sliding window."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence

from services.rules.facts import Fact, micros
from services.rules.kinds.match import Match
from services.rules.matchers import ConditionCache
from services.rules.model import DistinctPattern


class DistinctEvaluator:
    """One match: the events of every window that reached K organisations; opened when the first did."""

    clocked = False

    def __init__(self, pattern: DistinctPattern, cache: ConditionCache) -> None:
        self.events = cache.matchers(pattern.events)
        self.at_least = pattern.at_least
        self.within = micros(pattern.within)
        self.types = self.events.types
        self.fields = self.events.fields

    def _windows(self, facts: Sequence[Fact]) -> Iterator[list[Fact]]:
        """Every window (ending at an event) in which K organisations acted, in event-time order."""
        relevant = [fact for fact in facts if self.events(fact)]
        if len(relevant) < self.at_least:
            return
        orgs: Counter[str] = Counter()
        left = 0
        for right, fact in enumerate(relevant):
            orgs[fact.org] += 1
            # The window ending at this event: [t - within, t] ("within 180 days" includes day 180).
            while relevant[left].t < fact.t - self.within:
                gone = relevant[left].org
                orgs[gone] -= 1
                if not orgs[gone]:
                    del orgs[gone]
                left += 1
            if len(orgs) >= self.at_least:
                yield relevant[left : right + 1]

    def matches(self, facts: Sequence[Fact], clock: int) -> list[Match]:
        opened_at: int | None = None
        evidence: dict[tuple[str, str], Fact] = {}
        for window in self._windows(facts):
            if opened_at is None:
                opened_at = window[-1].t
            for member in window:
                evidence[member.key] = member
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
        # The older members of a window that ends at or after the cutoff stay: without them the window's
        # recent events would no longer be evidence, while messages say it is complete from the cutoff on.
        return {
            member.key
            for window in self._windows(facts)
            if window[-1].t >= cutoff
            for member in window
            if member.t < cutoff
        }
