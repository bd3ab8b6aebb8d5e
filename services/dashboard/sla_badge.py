"""The SLA as a short Dutch badge: "nog 5 u", "2 d over tijd" (see services.escalations.sla)."""

from __future__ import annotations

from datetime import timedelta

from services.escalations.sla import SlaState

HOUR = timedelta(hours=1)
TWO_DAYS = timedelta(days=2)


def duration_nl(span: timedelta) -> str:
    """A positive span, rounded down to a readable unit: '40 min', '5 u', '3 d'."""
    if span < HOUR:
        return f"{max(1, int(span.total_seconds() // 60))} min"
    if span < TWO_DAYS:
        return f"{int(span // HOUR)} u"
    return f"{span.days} d"


def sla_badge(state: SlaState) -> str | None:
    """The badge text of a running clock, or None when no clock runs."""
    if state.remaining is None:
        return None
    if state.overdue:
        return f"{duration_nl(-state.remaining)} over tijd"
    return f"nog {duration_nl(state.remaining)}"
