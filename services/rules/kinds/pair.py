"""A pair within a window: an `a` event and a `b` event on one subject at most `within` apart."""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from services.rules.facts import Fact, micros
from services.rules.kinds.match import Match
from services.rules.matchers import ConditionCache
from services.rules.model import PairPattern


class PairEvaluator:
    """One match: each a and b with a partner within the window; opened when the first pair completed."""

    clocked = False

    def __init__(self, pattern: PairPattern, cache: ConditionCache) -> None:
        self.a = cache.matchers(pattern.a)
        self.b = cache.matchers(pattern.b)
        self.within = micros(pattern.within)
        self.types = self.a.types | self.b.types
        self.fields = self.a.fields | self.b.fields

    def matches(self, facts: Sequence[Fact], clock: int) -> list[Match]:
        a = [fact for fact in facts if self.a(fact)]
        if not a:
            return []
        b = [fact for fact in facts if self.b(fact)]
        if not b:
            return []
        a_times, b_times = [fact.t for fact in a], [fact.t for fact in b]
        opened_at: int | None = None
        evidence: list[Fact] = []
        for mine, other_times in ((a, b_times), (b, a_times)):
            for fact in mine:
                low = bisect.bisect_left(other_times, fact.t - self.within)
                high = bisect.bisect_right(other_times, fact.t + self.within)
                if low == high:
                    continue
                evidence.append(fact)
                # The pair is complete at the later of the two: `fact` itself if a partner came before it.
                if other_times[low] <= fact.t:
                    opened_at = fact.t if opened_at is None else min(opened_at, fact.t)
        if opened_at is None:
            return []
        return [Match(opened_at=opened_at, evidence=tuple(sorted(evidence, key=lambda f: f.sort_key)))]

    def wakeup(self, facts: Sequence[Fact], clock: int) -> int | None:
        return None

    def evaluate(self, facts: Sequence[Fact], clock: int) -> tuple[list[Match], int | None]:
        return self.matches(facts, clock), None

    def keep(self, facts: Sequence[Fact], cutoff: int) -> set[tuple[str, str]]:
        # An older fact that pairs with one at or after the cutoff stays: without it that one would no
        # longer be evidence, while messages say the evidence is complete from the cutoff on.
        a = [fact for fact in facts if self.a(fact)]
        b = [fact for fact in facts if self.b(fact)]
        kept: set[tuple[str, str]] = set()
        for mine, other in ((a, b), (b, a)):
            other_times = [fact.t for fact in other]
            first_recent = bisect.bisect_left(other_times, cutoff)
            if first_recent == len(other_times):
                continue
            for fact in mine:
                if fact.t < cutoff and other_times[first_recent] <= fact.t + self.within:
                    kept.add(fact.key)
        return kept
