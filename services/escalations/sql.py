"""Escalations on SQLAlchemy: idempotent apply and scoped queries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, false, func, select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from schemas.escalation import EscalationMessage
from services.db.models import Escalation, EvidenceRow
from services.db.types import utcnow
from services.db.upsert import insert_if_absent, insert_ignoring_conflicts
from services.escalations.model import (
    ApplyResult,
    EscalationFilter,
    EscalationView,
    EvidenceView,
    Page,
    Scope,
    Severity,
    Status,
)


class SqlEscalationStore:
    """EscalationStore on a SQLAlchemy session factory."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def apply(self, messages: Sequence[EscalationMessage]) -> ApplyResult:
        opened: list[int] = []
        updated: list[int] = []
        unchanged = 0
        with self._sessions.begin() as session:
            for message in messages:
                outcome, escalation_id = _apply_one(session, message)
                if outcome == "opened":
                    opened.append(escalation_id)
                elif outcome == "updated":
                    updated.append(escalation_id)
                else:
                    unchanged += 1
        return ApplyResult(opened=tuple(opened), updated=tuple(updated), unchanged=unchanged)

    def list(self, query: EscalationFilter, scope: Scope) -> Page:
        conditions = [*_scope_conditions(scope), *_filter_conditions(query)]
        with self._sessions() as session:
            total = session.scalar(select(func.count()).select_from(Escalation).where(*conditions)) or 0
            statement: Select[Escalation] = (
                select(Escalation)
                .options(selectinload(Escalation.evidence))
                .where(*conditions)
                .order_by(Escalation.updated_at.desc(), Escalation.id.desc())
                .limit(query.limit)
                .offset(query.offset)
            )
            rows = session.scalars(statement).all()
            return Page(items=tuple(_view(row) for row in rows), total=total)

    def get(self, escalation_id: int, scope: Scope) -> EscalationView | None:
        with self._sessions() as session:
            row = session.scalar(
                select(Escalation)
                .options(selectinload(Escalation.evidence))
                .where(Escalation.id == escalation_id, *_scope_conditions(scope))
            )
            return _view(row) if row else None


def _apply_one(session: Session, message: EscalationMessage) -> tuple[str, int]:
    now = utcnow()
    fresh = insert_if_absent(
        session,
        Escalation.__table__,  # type: ignore[arg-type]
        {
            "dedup_key": message.dedup_key,
            "rule": message.rule,
            "title": message.title,
            "severity": message.severity,
            "status": Status.OPEN.value,
            "buurt": message.buurt,
            "subject": message.subject,
            "organisations": sorted(message.organisations),
            "policies": [policy.model_dump(mode="json") for policy in message.policies],
            "opened_at": message.opened_at,
            "created_at": now,
            "updated_at": now,
            "version": 1,
        },
        ("dedup_key",),
    )
    escalation = session.scalars(
        select(Escalation).where(Escalation.dedup_key == message.dedup_key).with_for_update()
    ).one()
    known = {
        (source, event_id)
        for source, event_id in session.execute(
            select(EvidenceRow.source, EvidenceRow.event_id).where(EvidenceRow.escalation_id == escalation.id)
        )
    }
    new_rows = [
        {
            "escalation_id": escalation.id,
            "event_id": item.id,
            "source": item.source,
            "org": item.org,
            "type": item.type,
            "label": item.label_nl,
            "time": item.time,
            "added_at": now,
        }
        for item in message.evidence
        if (item.source, item.id) not in known
    ]
    insert_ignoring_conflicts(
        session,
        EvidenceRow.__table__,  # type: ignore[arg-type]
        new_rows,
        ("escalation_id", "source", "event_id"),
    )
    if fresh:
        return "opened", escalation.id
    if not new_rows:
        return "unchanged", escalation.id
    escalation.organisations = sorted(set(escalation.organisations) | set(message.organisations))
    escalation.opened_at = min(escalation.opened_at, message.opened_at)
    escalation.updated_at = now
    escalation.version += 1
    return "updated", escalation.id


def _scope_conditions(scope: Scope) -> list[ColumnElement[bool]]:
    if scope.everything:
        return []
    conditions: list[ColumnElement[bool]] = []
    if scope.org is not None:
        conditions.append(
            exists().where(EvidenceRow.escalation_id == Escalation.id, EvidenceRow.org == scope.org)
        )
    if scope.buurten:
        conditions.append(Escalation.buurt.in_(sorted(scope.buurten)))
    if scope.initiatives_only:
        conditions.append(Escalation.subject.startswith("ini:"))
    if not conditions:
        # A scope that grants nothing in particular grants nothing at all.
        conditions.append(false())
    return conditions


def _filter_conditions(query: EscalationFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if query.status:
        conditions.append(Escalation.status.in_([status.value for status in query.status]))
    if query.buurt:
        conditions.append(Escalation.buurt == query.buurt)
    if query.rule:
        conditions.append(Escalation.rule == query.rule)
    if query.severity:
        conditions.append(Escalation.severity == query.severity.value)
    if query.subject:
        conditions.append(Escalation.subject == query.subject)
    if query.org:
        conditions.append(
            exists().where(EvidenceRow.escalation_id == Escalation.id, EvidenceRow.org == query.org)
        )
    return conditions


def _view(row: Escalation) -> EscalationView:
    evidence = tuple(
        EvidenceView(
            event_id=item.event_id,
            source=item.source,
            org=item.org,
            type=item.type,
            label=item.label,
            time=item.time,
        )
        for item in row.evidence
    )
    policies: tuple[dict[str, Any], ...] = tuple(row.policies)
    return EscalationView(
        id=row.id,
        dedup_key=row.dedup_key,
        rule=row.rule,
        title=row.title,
        severity=Severity(row.severity),
        status=Status(row.status),
        buurt=row.buurt,
        subject=row.subject,
        organisations=tuple(row.organisations),
        policies=policies,
        opened_at=row.opened_at,
        updated_at=row.updated_at,
        version=row.version,
        evidence=evidence,
    )
