"""Escalations on SQLAlchemy: idempotent apply and scoped queries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, case, exists, false, func, select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from schemas.escalation import EscalationMessage, Evidence
from services.db.models import Escalation, EvidenceRow, HistoryRow
from services.db.types import utcnow
from services.escalations.merge import Clash, key_of, merge
from services.escalations.model import (
    ApplyResult,
    DecisionView,
    EscalationFilter,
    EscalationSort,
    EscalationView,
    EvidenceView,
    HistoryView,
    InstructionView,
    Page,
    Scope,
    Severity,
    Status,
)
from services.escalations.sla import SlaPolicy
from services.escalations.sla_sql import over_sla_condition
from services.silences.conditions import silenced_condition
from services.silences.model import Silence, silenced_until
from services.silences.sql import active_silences


class SqlEscalationStore:
    """EscalationStore on a SQLAlchemy session factory."""

    def __init__(self, sessions: sessionmaker[Session], *, sla: SlaPolicy | None = None) -> None:
        self._sessions = sessions
        self._sla = sla or SlaPolicy.defaults()

    def apply(
        self, messages: Sequence[EscalationMessage], traceparents: Sequence[str | None] = ()
    ) -> ApplyResult:
        opened: list[tuple[int, str]] = []
        updated: list[tuple[int, str]] = []
        unchanged = 0
        with self._sessions.begin() as session:
            traces = list(traceparents) or [None] * len(messages)
            for message, traceparent in zip(messages, traces, strict=True):
                outcome, escalation_id = _apply_one(session, message, traceparent)
                if outcome == "opened" and escalation_id is not None:
                    opened.append((escalation_id, message.rule))
                elif outcome == "updated" and escalation_id is not None:
                    updated.append((escalation_id, message.rule))
                else:
                    unchanged += 1
        return ApplyResult(
            opened=tuple(escalation_id for escalation_id, _ in opened),
            updated=tuple(escalation_id for escalation_id, _ in updated),
            unchanged=unchanged,
            opened_rules=tuple(rule for _, rule in opened),
            updated_rules=tuple(rule for _, rule in updated),
        )

    def list(self, query: EscalationFilter, scope: Scope) -> Page:
        now = utcnow()
        conditions = [*scope_conditions(scope), *_filter_conditions(query, self._sla, now)]
        with self._sessions() as session:
            total = session.scalar(select(func.count()).select_from(Escalation).where(*conditions)) or 0
            statement: Select[Escalation] = (
                select(Escalation)
                .options(selectinload(Escalation.evidence))
                .where(*conditions)
                .order_by(*order_by(query.sort))
                .limit(query.limit)
                .offset(query.offset)
            )
            rows = session.scalars(statement).all()
            silences = active_silences(session, {row.rule for row in rows}, now)
            return Page(items=tuple(_view(row, silences) for row in rows), total=total)

    def get(self, escalation_id: int, scope: Scope) -> EscalationView | None:
        with self._sessions() as session:
            row = session.scalar(
                select(Escalation)
                .options(selectinload(Escalation.evidence))
                .where(Escalation.id == escalation_id, *scope_conditions(scope))
            )
            if row is None:
                return None
            steps = session.scalars(
                select(HistoryRow).where(HistoryRow.escalation_id == row.id).order_by(HistoryRow.id)
            ).all()
            silences = active_silences(session, {row.rule}, utcnow())
            return replace(_view(row, silences), history=tuple(_step(step) for step in steps))


def _apply_one(
    session: Session, message: EscalationMessage, traceparent: str | None = None
) -> tuple[str, int | None]:
    row = session.scalars(
        select(Escalation).where(Escalation.dedup_key == message.dedup_key).with_for_update()
    ).one_or_none()
    rows: dict[tuple[str, str], EvidenceRow] = {}
    existing: Clash | None = None
    if row is not None:
        rows = {
            (item.org, item.event_id): item
            for item in session.scalars(select(EvidenceRow).where(EvidenceRow.escalation_id == row.id))
        }
        existing = _clash(row, [item for item in rows.values() if item.retracted_at is None])
    change = merge(existing, message)
    if row is None:
        if change.clash.withdrawn:
            return "unchanged", None
        return "opened", _insert(session, change.clash, _policies(message), traceparent)
    if not change.changed:
        return "unchanged", row.id
    now = utcnow()
    named = {key_of(item): item for item in message.evidence}
    for key in change.added:
        item = rows.get(key)
        if item is not None:
            item.retracted_at = None
        else:
            session.add(_evidence_row(row.id, named[key], now))
    for key in change.retracted:
        rows[key].retracted_at = now
    clash = change.clash
    row.opened_at = clash.opened_at
    row.buurt = clash.buurt
    row.organisations = clash.organisations or row.organisations
    row.policies = _policies(message)
    if change.withdrawn_changed:
        row.withdrawn_at = now if clash.withdrawn else None
        if clash.withdrawn and row.status == Status.OPEN.value:
            row.status = Status.WITHDRAWN.value
        elif not clash.withdrawn and row.status == Status.WITHDRAWN.value:
            row.status = Status.OPEN.value
    row.updated_at = now
    row.version += 1
    return "updated", row.id


def _policies(message: EscalationMessage) -> list[dict[str, Any]]:
    return [policy.model_dump(mode="json") for policy in message.policies]


def _insert(
    session: Session, clash: Clash, policies: list[dict[str, Any]], traceparent: str | None = None
) -> int:
    now = utcnow()
    row = Escalation(
        dedup_key=clash.dedup_key,
        rule=clash.rule,
        title=clash.title,
        severity=clash.severity,
        status=Status.OPEN.value,
        buurt=clash.buurt,
        subject=clash.subject,
        organisations=clash.organisations,
        policies=policies,
        opened_at=clash.opened_at,
        created_at=now,
        updated_at=now,
        version=1,
        traceparent=traceparent,
    )
    session.add(row)
    session.flush()
    session.add_all(_evidence_row(row.id, item, now) for item in clash.evidence.values())
    return row.id


def _evidence_row(escalation_id: int, item: Evidence, now: datetime) -> EvidenceRow:
    return EvidenceRow(
        escalation_id=escalation_id,
        event_id=item.id,
        source=item.source,
        org=item.org,
        type=item.type,
        label=item.label_nl,
        time=item.time,
        added_at=now,
    )


def _clash(row: Escalation, evidence: list[EvidenceRow]) -> Clash:
    return Clash(
        dedup_key=row.dedup_key,
        rule=row.rule,
        title=row.title,
        severity=row.severity,
        subject=row.subject,
        buurt=row.buurt,
        opened_at=row.opened_at,
        evidence={
            (item.org, item.event_id): Evidence(
                id=item.event_id,
                source=item.source,
                org=item.org,
                type=item.type,
                time=item.time,
                label_nl=item.label,
            )
            for item in evidence
        },
        withdrawn=row.withdrawn_at is not None,
    )


def scope_conditions(scope: Scope) -> list[ColumnElement[bool]]:
    """The WHERE conditions that keep a query within `scope`."""
    if scope.everything:
        return []
    conditions: list[ColumnElement[bool]] = []
    if scope.org is not None:
        conditions.append(
            exists().where(
                EvidenceRow.escalation_id == Escalation.id,
                EvidenceRow.org == scope.org,
                EvidenceRow.retracted_at.is_(None),
            )
        )
    if scope.buurten:
        conditions.append(Escalation.buurt.in_(sorted(scope.buurten)))
    if scope.initiatives_only:
        conditions.append(Escalation.subject.startswith("ini:"))
    if not conditions:
        # A scope that grants nothing in particular grants nothing at all.
        conditions.append(false())
    return conditions


def severity_rank() -> ColumnElement[int]:
    """Severity as a number for sorting, high first (a CASE: the same on SQLite and PostgreSQL)."""
    ranks = {Severity.HIGH.value: 0, Severity.MEDIUM.value: 1, Severity.LOW.value: 2}
    return case(ranks, value=Escalation.severity, else_=len(ranks))


def order_by(sort: EscalationSort) -> tuple[ColumnElement[Any], ...]:
    """The ORDER BY of `sort`; the id comes last, so equal keys page stably."""
    newest = (Escalation.updated_at.desc(), Escalation.id.desc())
    if sort is EscalationSort.OPENED:
        return (Escalation.opened_at.desc(), Escalation.id.desc())
    if sort is EscalationSort.SEVERITY:
        return (severity_rank(), *newest)
    if sort is EscalationSort.BUURT:
        return (Escalation.buurt.asc(), *newest)
    return newest


def _filter_conditions(query: EscalationFilter, sla: SlaPolicy, now: datetime) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if query.over_sla:
        conditions.append(over_sla_condition(sla, now))
    if query.silenced is not None:
        silenced = silenced_condition(now)
        conditions.append(silenced if query.silenced else ~silenced)
    if query.status:
        conditions.append(Escalation.status.in_([status.value for status in query.status]))
    if query.buurt:
        conditions.append(Escalation.buurt == query.buurt)
    if query.buurten is not None:
        conditions.append(Escalation.buurt.in_(query.buurten) if query.buurten else false())
    if query.ids is not None:
        conditions.append(Escalation.id.in_(query.ids) if query.ids else false())
    if query.rule:
        conditions.append(Escalation.rule == query.rule)
    if query.severity:
        conditions.append(Escalation.severity == query.severity.value)
    if query.subject:
        conditions.append(Escalation.subject == query.subject)
    if query.org:
        conditions.append(
            exists().where(
                EvidenceRow.escalation_id == Escalation.id,
                EvidenceRow.org == query.org,
                EvidenceRow.retracted_at.is_(None),
            )
        )
    return conditions


def _view(row: Escalation, silences: list[Silence] | None = None) -> EscalationView:
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
        withdrawn_at=row.withdrawn_at,
        assignee=row.assignee,
        acknowledged_at=row.acknowledged_at,
        decided_at=row.decided_at,
        resolved_at=row.resolved_at,
        decision=_decision(row.decision),
        created_at=row.created_at,
        reopened_at=row.reopened_at,
        silenced_until=silenced_until(silences or [], row.rule, row.subject, row.buurt),
        traceparent=row.traceparent,
    )


def _decision(stored: dict[str, Any] | None) -> DecisionView | None:
    if not stored:
        return None
    return DecisionView(
        kind=str(stored["kind"]),
        text=str(stored["text"]),
        instructions=tuple(
            InstructionView(
                org=str(item["org"]),
                action=str(item["action"]),
                done_at=_time(item.get("done_at")),
                done_by=item.get("done_by"),
            )
            for item in stored.get("instructions", [])
        ),
        decided_by=str(stored["decided_by"]),
        decided_at=datetime.fromisoformat(str(stored["decided_at"])),
        event_id=str(stored["event_id"]),
    )


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def _step(row: HistoryRow) -> HistoryView:
    return HistoryView(
        at=row.at,
        actor=row.actor,
        action=row.action,
        from_status=Status(row.from_status),
        to_status=Status(row.to_status),
        text=row.text,
        detail=dict(row.detail),
    )
