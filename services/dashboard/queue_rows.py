"""One escalation as a row of the queue: the page renders it, the live stream sends it, the same template.

A row shows the buurt by name (and its wijk), the organisations, the status and the SLA badge: how long
the running clock (services.escalations.sla) has left, or how late it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from jinja2 import Environment

from services.dashboard.labels import CLOCK_NL, SEVERITY_NL, STATUS_NL, datum
from services.dashboard.sla_badge import sla_badge as sla_text
from services.escalations.model import EscalationView
from services.escalations.sla import SlaPolicy, sla_state
from services.geo.registry import BuurtRegistry

ROW_TEMPLATE = "_queue_row.html"
#: A clock with less than this share of its time left is shown as urgent.
URGENT_SHARE = 0.25


@dataclass(frozen=True)
class SlaBadge:
    """The running SLA clock in words: short text, full sentence, and a level (late, urgent, ok)."""

    text: str
    sentence: str
    level: str


@dataclass(frozen=True)
class QueueRow:
    """What a queue row shows of one escalation."""

    item: EscalationView
    buurt_name: str
    wijk_name: str
    sla: SlaBadge | None


def queue_row(view: EscalationView, registry: BuurtRegistry, policy: SlaPolicy, now: datetime) -> QueueRow:
    """The row of `view` at `now`."""
    buurt = registry.get(view.buurt)
    return QueueRow(
        item=view,
        buurt_name=buurt.name if buurt else view.buurt,
        wijk_name=buurt.wijk_name if buurt else "",
        sla=sla_badge(view, policy, now),
    )


def sla_badge(view: EscalationView, policy: SlaPolicy, now: datetime) -> SlaBadge | None:
    """The badge of the clock running on `view`, or None when none runs (decided, resolved, withdrawn)."""
    state = sla_state(view, now, policy)
    text = sla_text(state)
    if state.clock is None or state.remaining is None or state.due_at is None or text is None:
        return None
    task = CLOCK_NL[state.clock]
    if state.overdue:
        sentence = f"De termijn voor {task} verliep op {datum(state.due_at)}."
        return SlaBadge(text=f"{task}: {text}", sentence=sentence, level="late")
    urgent = state.remaining < policy.limit(state.clock, view.severity) * URGENT_SHARE
    sentence = f"De termijn voor {task} verloopt op {datum(state.due_at)}."
    return SlaBadge(text=f"{task}: {text}", sentence=sentence, level="urgent" if urgent else "ok")


def render_row(environment: Environment, row: QueueRow) -> str:
    """The row's HTML (a `<tr>`), as the queue page has it."""
    template = environment.get_template(ROW_TEMPLATE)
    return template.render(row=row, severity_nl=SEVERITY_NL, status_nl=STATUS_NL, datum=datum)
