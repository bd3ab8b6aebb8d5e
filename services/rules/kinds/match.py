"""What a pattern finds, and the interface every pattern kind implements."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from services.rules.facts import Fact


@dataclass(frozen=True)
class Match:
    """A clash found on a subject: when it began (event time, µs) and the facts that show it."""

    opened_at: int
    evidence: tuple[Fact, ...]
    key_data: Mapping[str, Any] = field(default_factory=dict)


class Evaluator(Protocol):
    """A compiled pattern: a pure function of a subject's facts (in event-time order) and the clock."""

    types: frozenset[str]
    fields: frozenset[str]
    clocked: bool

    def matches(self, facts: Sequence[Fact], clock: int) -> list[Match]:
        """Every match among `facts`, the clock being `clock` (µs; only absence patterns read it)."""
        ...

    def wakeup(self, facts: Sequence[Fact], clock: int) -> int | None:
        """The next moment after `clock` at which the matches may change without a new event."""
        ...

    def evaluate(self, facts: Sequence[Fact], clock: int) -> tuple[list[Match], int | None]:
        """`matches` and `wakeup` together (in one pass where the kind can)."""
        ...

    def keep(self, facts: Sequence[Fact], cutoff: int) -> set[tuple[str, str]]:
        """Facts older than `cutoff` that must be kept all the same (e.g. the start of an open state)."""
        ...


def merged(matches: Sequence[Match]) -> list[Match]:
    """One match per key data: the earliest opening and the union of the evidence."""
    by_key: dict[tuple[tuple[str, Any], ...], Match] = {}
    for match in matches:
        key = tuple(sorted(match.key_data.items()))
        seen = by_key.get(key)
        if seen is None:
            by_key[key] = match
            continue
        evidence = {fact.key: fact for fact in (*seen.evidence, *match.evidence)}
        by_key[key] = Match(
            opened_at=min(seen.opened_at, match.opened_at),
            evidence=tuple(sorted(evidence.values(), key=lambda fact: fact.sort_key)),
            key_data=seen.key_data,
        )
    return list(by_key.values())
