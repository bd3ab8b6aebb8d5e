"""What a user asks of an escalation, as the lifecycle store takes it."""

from __future__ import annotations

from dataclasses import dataclass, field

from services.escalations.lifecycle import Action


@dataclass(frozen=True)
class DecisionInput:
    """A decision as the taskforce takes it: kind, reasoning and what each organisation must do."""

    kind: str
    text: str
    instructions: tuple[tuple[str, str], ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Command:
    """One action by one user; `version` is the escalation version the user saw (status changes only)."""

    action: Action
    actor: str
    role: str
    version: int | None = None
    assignee: str | None = None
    text: str | None = None
    decision: DecisionInput | None = None
    org: str | None = None
