"""What a pattern finds."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from services.rules.facts import Fact


@dataclass(frozen=True)
class Match:
    """A clash found on a subject: when it began (event time) and the facts that show it."""

    opened_at: int
    evidence: tuple[Fact, ...]
    key_data: Mapping[str, Any] = field(default_factory=dict)
