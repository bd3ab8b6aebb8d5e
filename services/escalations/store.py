"""The escalations' storage interface."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from schemas.escalation import EscalationMessage
from services.escalations.model import ApplyResult, EscalationFilter, EscalationView, Page, Scope


class EscalationStore(Protocol):
    """Escalations keyed by dedup key, with their evidence."""

    def apply(
        self, messages: Sequence[EscalationMessage], traceparents: Sequence[str | None] = ()
    ) -> ApplyResult:
        """Open new escalations and add new evidence to existing ones; replays change nothing.

        `traceparents`, one per message when given: the trace a new escalation belongs to."""
        ...

    def list(self, query: EscalationFilter, scope: Scope) -> Page:
        """The escalations in `scope` that match `query`, newest first."""
        ...

    def get(self, escalation_id: int, scope: Scope) -> EscalationView | None:
        """One escalation with its evidence, or None if it does not exist within `scope`."""
        ...
