"""A subject's rule state: its relevant facts in event-time order and what was escalated already."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

from services.rules.facts import Fact


@dataclass
class SubjectState:
    """Mutable per-subject state; serialised to JSON for faust's changelogged table."""

    facts: list[Fact] = field(default_factory=list)
    emitted: dict[str, set[tuple[str, str]]] = field(default_factory=dict)

    def insert(self, fact: Fact) -> bool:
        """Insert in event-time order; False if this (source, id) is already there (a replay).

        The same id with other content counts as a replay too: the first version wins, as at the gateway.
        """
        if any(existing.key == fact.key for existing in self.facts):
            return False
        bisect.insort(self.facts, fact, key=lambda item: item.sort_key)
        return True

    def to_json(self) -> dict[str, Any]:
        return {
            "facts": [fact.to_json() for fact in self.facts],
            "emitted": {
                key: sorted([org, event_id] for org, event_id in ids) for key, ids in self.emitted.items()
            },
        }

    @classmethod
    def from_json(cls, document: dict[str, Any] | None) -> SubjectState:
        if not document:
            return cls()
        return cls(
            facts=[Fact.from_json(item) for item in document.get("facts", [])],
            emitted={
                key: {(str(org), str(event_id)) for org, event_id in ids}
                for key, ids in document.get("emitted", {}).items()
            },
        )
