"""A single event that is a clash by itself: one match per value of the key fields."""

from __future__ import annotations

from collections.abc import Sequence

from services.rules.facts import Fact
from services.rules.kinds.match import Match, merged
from services.rules.matchers import ConditionCache
from services.rules.model import SinglePattern


class SingleEvaluator:
    """Every matching event; events with the same key field values make one match."""

    clocked = False

    def __init__(self, pattern: SinglePattern, cache: ConditionCache) -> None:
        self.events = cache.matchers(pattern.events)
        self.key = pattern.key
        self.types = self.events.types
        self.fields = self.events.fields | frozenset(pattern.key)

    def matches(self, facts: Sequence[Fact], clock: int) -> list[Match]:
        found = [
            Match(
                opened_at=fact.t,
                evidence=(fact,),
                key_data={name: fact.data.get(name, "") for name in self.key},
            )
            for fact in facts
            if self.events(fact)
        ]
        return merged(found) if len(found) > 1 else found

    def wakeup(self, facts: Sequence[Fact], clock: int) -> int | None:
        return None

    def evaluate(self, facts: Sequence[Fact], clock: int) -> tuple[list[Match], int | None]:
        return self.matches(facts, clock), None

    def keep(self, facts: Sequence[Fact], cutoff: int) -> set[tuple[str, str]]:
        return set()
