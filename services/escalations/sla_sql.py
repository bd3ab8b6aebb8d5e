"""The SLA rule of services.escalations.sla as a SQL condition (SQLite and PostgreSQL alike).

The cutoffs (`now` minus each severity's limit) are computed in Python, so the database only compares
stored timestamps with constants: portable, and able to use the status indexes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_

from services.db.models import Escalation
from services.escalations.model import Severity
from services.escalations.sla import CLOCK_OF_STATUS, Clock, SlaPolicy


def over_sla_condition(policy: SlaPolicy, now: datetime) -> ColumnElement[bool]:
    """True for escalations whose running clock ran out before `now`."""
    acknowledge = [status.value for status, clock in CLOCK_OF_STATUS.items() if clock is Clock.ACKNOWLEDGE]
    decision = [status.value for status, clock in CLOCK_OF_STATUS.items() if clock is Clock.DECISION]
    acknowledge_start = func.coalesce(Escalation.reopened_at, Escalation.created_at)
    acknowledged = func.coalesce(Escalation.acknowledged_at, Escalation.created_at)
    branches: list[ColumnElement[bool]] = []
    for severity in Severity:
        ack_cutoff = now - policy.limit(Clock.ACKNOWLEDGE, severity)
        decision_cutoff = now - policy.limit(Clock.DECISION, severity)
        branches.append(
            and_(
                Escalation.severity == severity.value,
                or_(
                    and_(Escalation.status.in_(acknowledge), acknowledge_start < ack_cutoff),
                    and_(
                        Escalation.status.in_(decision),
                        acknowledged < decision_cutoff,
                        or_(Escalation.reopened_at.is_(None), Escalation.reopened_at < decision_cutoff),
                    ),
                ),
            )
        )
    return or_(*branches)
