"""Compiled matchers: event type sets with their CEL conditions, answering per fact (cached on the fact)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence

from services.rules.conditions import Condition
from services.rules.facts import Fact
from services.rules.model import Matcher

_ids = itertools.count()


class CompiledMatcher:
    """Events of some types whose data satisfies a condition (if any)."""

    __slots__ = ("condition", "id", "types")

    def __init__(self, types: Iterable[str], condition: Condition | None) -> None:
        self.id = next(_ids)
        self.types = frozenset(types)
        self.condition = condition

    def __call__(self, fact: Fact) -> bool:
        cached = fact.matched.get(self.id)
        if cached is not None:
            return cached
        result = fact.type in self.types and (self.condition is None or self.condition(fact.data))
        fact.matched[self.id] = result
        return result


class MatcherSet:
    """Any of several matchers (a rule's `start`, `a`, `events` lists)."""

    __slots__ = ("conditional", "fields", "matchers", "types", "unconditional")

    def __init__(self, matchers: Sequence[CompiledMatcher]) -> None:
        self.matchers = tuple(matchers)
        self.types = frozenset(t for matcher in matchers for t in matcher.types)
        # Types that match whatever their data (the common case) need no condition at all.
        self.unconditional = frozenset(
            t for matcher in matchers if matcher.condition is None for t in matcher.types
        )
        self.conditional = tuple(matcher for matcher in matchers if matcher.condition is not None)
        self.fields = frozenset(
            name for matcher in matchers if matcher.condition is not None for name in matcher.condition.fields
        )

    def __call__(self, fact: Fact) -> bool:
        kind = fact.type
        if kind in self.unconditional:
            return True
        if kind not in self.types:
            return False
        return any(matcher(fact) for matcher in self.conditional)


class ConditionCache:
    """One compiled Condition per distinct expression, shared by every rule that uses it."""

    def __init__(self) -> None:
        self._conditions: dict[str, Condition] = {}
        self._matchers: dict[tuple[frozenset[str], str | None], CompiledMatcher] = {}

    def matcher(self, spec: Matcher) -> CompiledMatcher:
        key = (frozenset(spec.types), spec.where)
        found = self._matchers.get(key)
        if found is None:
            condition = None
            if spec.where is not None:
                condition = self._conditions.get(spec.where)
                if condition is None:
                    condition = self._conditions[spec.where] = Condition(spec.where)
            found = self._matchers[key] = CompiledMatcher(spec.types, condition)
        return found

    def matchers(self, specs: Sequence[Matcher]) -> MatcherSet:
        return MatcherSet([self.matcher(spec) for spec in specs])
