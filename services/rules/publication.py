"""What the rule engine publishes about a clash: the fields of an escalation message, without pydantic.

The engine makes many of these (one per rule of a pattern that changed); building the pydantic
EscalationMessage is left to whoever sends it (the processor), and the replay's mirror merges these
directly (services.escalations.merge reads either).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from schemas.escalation import EscalationMessage, Evidence, PolicyRef


@dataclass(slots=True)
class ClashUpdate:
    """The current state of a clash (see EscalationMessage for the meaning of each field)."""

    dedup_key: str
    rule: str
    title: str
    severity: str
    subject: str
    buurt: str
    opened_at: datetime
    organisations: list[str]
    evidence: list[Evidence]
    policies: list[PolicyRef]
    emitted_at: datetime
    withdrawn: bool = False
    complete_since: datetime | None = None

    def to_message(self) -> EscalationMessage:
        """The message for `buurt.escalations` (validated: it leaves the process)."""
        return EscalationMessage(
            dedup_key=self.dedup_key,
            rule=self.rule,
            title=self.title,
            severity=self.severity,
            subject=self.subject,
            buurt=self.buurt,
            opened_at=self.opened_at,
            organisations=self.organisations,
            evidence=self.evidence,
            policies=self.policies,
            emitted_at=self.emitted_at,
            withdrawn=self.withdrawn,
            complete_since=self.complete_since,
        )
