"""The audit log on SQLAlchemy (changes write their entry in their own transaction; views come here)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from services.audit.model import AuditEntry
from services.db.models import AuditRow
from services.db.types import utcnow


class SqlAuditStore:
    """Reads and appends audit entries."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def record(self, actor: str, role: str, action: str, target: str, detail: dict[str, Any]) -> None:
        """Append one entry, timed now."""
        with self._sessions.begin() as session:
            session.add(
                AuditRow(at=utcnow(), actor=actor, role=role, action=action, target=target, detail=detail)
            )

    def entries(
        self, *, target: str | None = None, actor: str | None = None, limit: int = 100, offset: int = 0
    ) -> tuple[Sequence[AuditEntry], int]:
        """Entries, newest first, and how many match in all."""
        conditions = []
        if target is not None:
            conditions.append(AuditRow.target == target)
        if actor is not None:
            conditions.append(AuditRow.actor == actor)
        with self._sessions() as session:
            total = session.scalar(select(func.count()).select_from(AuditRow).where(*conditions)) or 0
            rows = session.scalars(
                select(AuditRow).where(*conditions).order_by(AuditRow.id.desc()).limit(limit).offset(offset)
            ).all()
            return [_entry(row) for row in rows], total


def _entry(row: AuditRow) -> AuditEntry:
    return AuditEntry(
        id=row.id,
        at=row.at,
        actor=row.actor,
        role=row.role,
        action=row.action,
        target=row.target,
        detail=dict(row.detail),
    )
