"""Silences on SQLAlchemy; each change writes its audit entry in the same transaction."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import not_, select
from sqlalchemy.orm import Session, sessionmaker

from services.db.models import AuditRow, SilenceRow
from services.silences.conditions import active_condition
from services.silences.errors import SilenceEndedError, SilenceNotFoundError
from services.silences.model import Silence, SilenceDraft


class SqlSilenceStore:
    """SilenceStore on a SQLAlchemy session factory."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def add(self, draft: SilenceDraft, actor: str, role: str, now: datetime) -> Silence:
        with self._sessions.begin() as session:
            row = SilenceRow(
                rule=draft.rule,
                subject=draft.subject,
                buurt=draft.buurt,
                reason=draft.reason,
                created_by=actor,
                created_at=now,
                ends_at=draft.ends_at,
            )
            session.add(row)
            session.flush()
            session.add(_audit(row, "silence.create", actor, role, now, _detail(row)))
            return silence_of(row)

    def expire(self, silence_id: int, actor: str, role: str, now: datetime) -> Silence:
        with self._sessions.begin() as session:
            row = session.scalar(select(SilenceRow).where(SilenceRow.id == silence_id).with_for_update())
            if row is None:
                raise SilenceNotFoundError(f"no silence {silence_id}")
            if not silence_of(row).active_at(now):
                raise SilenceEndedError(f"silence {silence_id} has ended already")
            row.expired_at = now
            row.expired_by = actor
            session.add(_audit(row, "silence.expire", actor, role, now, _detail(row)))
            return silence_of(row)

    def get(self, silence_id: int) -> Silence | None:
        with self._sessions() as session:
            row = session.get(SilenceRow, silence_id)
            return silence_of(row) if row is not None else None

    def listing(self, now: datetime, *, active: bool | None = None, limit: int = 200) -> Sequence[Silence]:
        statement = select(SilenceRow)
        if active is True:
            statement = statement.where(active_condition(now))
        elif active is False:
            statement = statement.where(not_(active_condition(now)))
        statement = statement.order_by(SilenceRow.created_at.desc(), SilenceRow.id.desc()).limit(limit)
        with self._sessions() as session:
            return [silence_of(row) for row in session.scalars(statement)]

    def active_for(self, rules: Collection[str], now: datetime) -> Sequence[Silence]:
        with self._sessions() as session:
            return active_silences(session, rules, now)


def active_silences(session: Session, rules: Collection[str], now: datetime) -> list[Silence]:
    """The silences of `rules` active at `now`, read in `session` (one query)."""
    if not rules:
        return []
    statement = select(SilenceRow).where(SilenceRow.rule.in_(sorted(rules)), active_condition(now))
    return [silence_of(row) for row in session.scalars(statement)]


def silence_of(row: SilenceRow) -> Silence:
    """The value object of a stored silence."""
    return Silence(
        id=row.id,
        rule=row.rule,
        subject=row.subject,
        buurt=row.buurt,
        reason=row.reason,
        created_by=row.created_by,
        created_at=row.created_at,
        ends_at=row.ends_at,
        expired_at=row.expired_at,
        expired_by=row.expired_by,
    )


def _detail(row: SilenceRow) -> dict[str, Any]:
    return {
        "rule": row.rule,
        "subject": row.subject,
        "buurt": row.buurt,
        "reason": row.reason,
        "ends_at": row.ends_at.isoformat(),
    }


def _audit(
    row: SilenceRow, action: str, actor: str, role: str, now: datetime, detail: dict[str, Any]
) -> AuditRow:
    return AuditRow(at=now, actor=actor, role=role, action=action, target=f"silence:{row.id}", detail=detail)
