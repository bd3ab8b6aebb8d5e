"""Which escalations changed lately: the rows whose `updated_at` is at or after a moment.

Every change to an escalation (new evidence, a lifecycle step, a comment) sets its `updated_at`; the
dashboard's live feed polls this to learn what to send (services.dashboard.live_poller).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, sessionmaker

from services.db.models import Escalation

#: Rows read per query; `since` reads on (keyset paging) until it has them all.
PAGE = 1000


@dataclass(frozen=True)
class Change:
    """One escalation as of one change."""

    escalation_id: int
    updated_at: datetime


class SqlChangeLog:
    """Reads the escalations' change times (index ix_escalations_updated_id)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def since(self, moment: datetime) -> Sequence[Change]:
        """Every escalation changed at or after `moment`, oldest change first (then by id)."""
        changes: list[Change] = []
        with self._sessions() as session:
            while True:
                condition = Escalation.updated_at >= moment
                if changes:
                    last = changes[-1]
                    condition = or_(
                        Escalation.updated_at > last.updated_at,
                        and_(Escalation.updated_at == last.updated_at, Escalation.id > last.escalation_id),
                    )
                rows = session.execute(
                    select(Escalation.id, Escalation.updated_at)
                    .where(condition)
                    .order_by(Escalation.updated_at, Escalation.id)
                    .limit(PAGE)
                ).all()
                changes.extend(Change(escalation_id=row.id, updated_at=row.updated_at) for row in rows)
                if len(rows) < PAGE:
                    return changes
