"""Opening one escalation as a user: only within their scope, and written to the audit log as a view.

The API's GET of one escalation and the dashboard's detail page both open it here, so that every view
of an escalation's detail is audited alike (with `via` telling which way it was seen).
"""

from __future__ import annotations

from typing import Any, Protocol

from opentelemetry.trace import Link

from services.access.policy import escalation_scope
from services.directory.model import User
from services.escalations.errors import EscalationNotFoundError
from services.escalations.model import EscalationView, Scope
from services.telemetry.tracing import span_context_from_traceparent, tracer

VIEW_ACTION = "escalation.view"


class EscalationReader(Protocol):
    """Reads one escalation within a scope."""

    def get(self, escalation_id: int, scope: Scope) -> EscalationView | None:
        """The escalation, or None if it does not exist within `scope`."""
        ...


class AuditRecorder(Protocol):
    """Appends to the audit log."""

    def record(self, actor: str, role: str, action: str, target: str, detail: dict[str, Any]) -> None:
        """One entry, timed now."""
        ...


def view_escalation(
    escalations: EscalationReader, audit: AuditRecorder, user: User, escalation_id: int, *, via: str
) -> EscalationView:
    """The escalation as `user` may see it, its view audited; EscalationNotFoundError when it does not
    exist or lies outside the user's scope (the two are indistinguishable on purpose)."""
    found = escalations.get(escalation_id, escalation_scope(user))
    if found is None:
        raise EscalationNotFoundError(f"no escalation {escalation_id} that you may see")
    # The view joins the event's trace by a link: the trace runs from the partner's request to this page.
    opened = span_context_from_traceparent(found.traceparent) if found.traceparent else None
    with tracer().start_as_current_span(
        "view escalation",
        links=[Link(opened)] if opened is not None else [],
        attributes={
            "wijkbrug.escalation_id": found.id,
            "wijkbrug.via": via,
            "wijkbrug.role": user.role.value,
        },
    ):
        audit.record(user.name, user.role.value, VIEW_ACTION, f"escalation:{found.id}", {"via": via})
    return found
