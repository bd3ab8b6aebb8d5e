"""A subject's rule state: its relevant facts in event-time order and what was published about it."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

from services.rules.facts import Fact


@dataclass
class SubjectState:
    """Mutable per-subject state; serialised to JSON for faust's changelogged table.

    `emitted` maps each published match of a pattern ("<first rule id>|<key data>") to the digest of what
    was published (or "withdrawn") and the dedup key under which each rule of the pattern published it;
    `touched` is the clock at the last new fact; `complete_since` the cutoff of the last pruning;
    `deadlines` the next deadline of each clocked pattern (by its first rule's id), as last evaluated.
    """

    facts: list[Fact] = field(default_factory=list)
    emitted: dict[str, tuple[str, dict[str, str]]] = field(default_factory=dict)
    touched: int = 0
    complete_since: int | None = None
    deadlines: dict[str, int] = field(default_factory=dict)

    @property
    def latest(self) -> int:
        """The newest fact's event time (µs); 0 without facts."""
        return self.facts[-1].t if self.facts else 0

    @property
    def buurt(self) -> str:
        return self.facts[-1].buurt if self.facts else ""

    def insert(self, fact: Fact) -> bool:
        """Insert in event-time order; False if this (source, id) is already there (a replay).

        The same id with other content counts as a replay too: the first version wins, as at the gateway.
        """
        key = fact.key
        if any(existing.key == key for existing in self.facts):
            return False
        bisect.insort(self.facts, fact, key=lambda item: item.sort_key)
        return True

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "f": [fact.to_json() for fact in self.facts],
            "e": {key: [digest, keys] for key, (digest, keys) in self.emitted.items()},
            "t": self.touched,
        }
        if self.complete_since is not None:
            document["c"] = self.complete_since
        if self.deadlines:
            document["d"] = dict(self.deadlines)
        return document

    @classmethod
    def from_json(cls, document: dict[str, Any] | None) -> SubjectState:
        if not document:
            return cls()
        return cls(
            facts=[Fact.from_json(item) for item in document.get("f", [])],
            emitted={
                key: (str(digest), {str(rule): str(dedup) for rule, dedup in keys.items()})
                for key, (digest, keys) in document.get("e", {}).items()
            },
            touched=int(document.get("t", 0)),
            complete_since=int(document["c"]) if "c" in document else None,
            deadlines={str(key): int(value) for key, value in document.get("d", {}).items()},
        )
