"""The over-SLA filter in SQL agrees with the clocks of services.escalations.sla (SQLite and PostgreSQL)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from services.db.models import AuditRow, Escalation, EvidenceRow, HistoryRow, JournalEntry
from services.db.types import utcnow
from services.escalations.commands import Command, DecisionInput
from services.escalations.lifecycle import Action
from services.escalations.lifecycle_sql import SqlLifecycleStore
from services.escalations.model import EscalationFilter, Scope, Severity, Status
from services.escalations.sla import Clock, SlaPolicy, sla_state
from services.escalations.sql import SqlEscalationStore
from tests.support.escalations import T0, evidence, message

pytestmark = pytest.mark.db

EVERYTHING = Scope(everything=True)
TABLES = (AuditRow, HistoryRow, JournalEntry, EvidenceRow, Escalation)
MARGIN = timedelta(hours=1)  # far from every due time, so the moment of the query does not matter
OLD = timedelta(days=400)
POLICY = SlaPolicy(
    acknowledge={
        Severity.HIGH: timedelta(hours=4),
        Severity.MEDIUM: timedelta(days=2),
        Severity.LOW: timedelta(days=5),
    },
    decision={
        Severity.HIGH: timedelta(days=3),
        Severity.MEDIUM: timedelta(days=10),
        Severity.LOW: timedelta(days=30),
    },
)


@dataclass(frozen=True)
class Case:
    """An escalation's status and milestones, as offsets before now; whether it is over its SLA."""

    name: str
    status: Status
    created: timedelta
    overdue: bool
    acknowledged: timedelta | None = None
    reopened: timedelta | None = None


def cases(severity: Severity) -> list[Case]:
    ack = POLICY.limit(Clock.ACKNOWLEDGE, severity)
    dec = POLICY.limit(Clock.DECISION, severity)
    return [
        Case("open-late", Status.OPEN, ack + MARGIN, True),
        Case("open-in-time", Status.OPEN, ack - MARGIN, False),
        Case("reopened-late", Status.REOPENED, OLD, True, acknowledged=OLD, reopened=ack + MARGIN),
        Case("reopened-in-time", Status.REOPENED, OLD, False, acknowledged=OLD, reopened=ack - MARGIN),
        Case("acknowledged-late", Status.ACKNOWLEDGED, OLD, True, acknowledged=dec + MARGIN),
        Case("acknowledged-in-time", Status.ACKNOWLEDGED, OLD, False, acknowledged=dec - MARGIN),
        Case("in-progress-late", Status.IN_PROGRESS, OLD, True, acknowledged=dec + MARGIN),
        Case("in-progress-in-time", Status.IN_PROGRESS, OLD, False, acknowledged=dec - MARGIN),
        Case(
            "reassigned-after-reopening",
            Status.IN_PROGRESS,
            OLD,
            False,
            acknowledged=OLD,
            reopened=dec - MARGIN,
        ),
        Case("reopened-long-ago", Status.IN_PROGRESS, OLD, True, acknowledged=OLD, reopened=dec + MARGIN),
        Case("decided", Status.DECIDED, OLD, False, acknowledged=OLD),
        Case("resolved", Status.RESOLVED, OLD, False, acknowledged=OLD),
        Case("withdrawn", Status.WITHDRAWN, OLD, False),
    ]


@pytest.fixture
def store(sessions: sessionmaker[Session]) -> SqlEscalationStore:
    return SqlEscalationStore(sessions, sla=POLICY)


def _seed(store: SqlEscalationStore, sessions: sessionmaker[Session]) -> dict[int, tuple[Severity, Case]]:
    now = utcnow()
    seeded: dict[int, tuple[Severity, Case]] = {}
    for severity in Severity:
        for number, case in enumerate(cases(severity)):
            key = f"{severity.value}-{case.name}"
            subject = f"hh:{severity.value}{number:08d}"
            items = [evidence(f"e-{key}", "woco", T0)]
            (escalation_id,) = store.apply(
                [message(key, items, subject=subject, severity=severity.value)]
            ).opened
            seeded[escalation_id] = (severity, case)
            with sessions.begin() as session:
                session.execute(
                    update(Escalation)
                    .where(Escalation.id == escalation_id)
                    .values(
                        status=case.status.value,
                        created_at=now - case.created,
                        acknowledged_at=_ago(now, case.acknowledged),
                        reopened_at=_ago(now, case.reopened),
                    )
                )
    return seeded


def _ago(now: datetime, offset: timedelta | None) -> datetime | None:
    return now - offset if offset is not None else None


def test_the_filter_finds_exactly_the_escalations_over_their_sla(
    store: SqlEscalationStore, sessions: sessionmaker[Session]
) -> None:
    seeded = _seed(store, sessions)
    expected = {escalation_id for escalation_id, (_, case) in seeded.items() if case.overdue}

    page = store.list(EscalationFilter(over_sla=True, limit=500), EVERYTHING)

    found = {item.id for item in page.items}
    names = {f"{seeded[i][0].value}-{seeded[i][1].name}" for i in found ^ expected}
    assert found == expected, f"disagreeing: {sorted(names)}"
    assert page.total == len(expected) == 3 * 5


def test_the_filter_agrees_with_the_clock_of_each_view(
    store: SqlEscalationStore, sessions: sessionmaker[Session]
) -> None:
    _seed(store, sessions)

    everything = store.list(EscalationFilter(limit=500), EVERYTHING).items
    now = utcnow()
    overdue = {item.id for item in everything if sla_state(item, now, POLICY).overdue}

    assert overdue
    assert {
        item.id for item in store.list(EscalationFilter(over_sla=True, limit=500), EVERYTHING).items
    } == overdue


def test_the_filter_combines_with_the_others(
    store: SqlEscalationStore, sessions: sessionmaker[Session]
) -> None:
    seeded = _seed(store, sessions)

    page = store.list(
        EscalationFilter(over_sla=True, severity=Severity.LOW, status=(Status.OPEN,)), EVERYTHING
    )

    assert [seeded[item.id][1].name for item in page.items] == ["open-late"]
    assert {seeded[item.id][0] for item in page.items} == {Severity.LOW}


def test_the_view_carries_when_it_arrived_and_was_reopened(
    store: SqlEscalationStore, sessions: sessionmaker[Session]
) -> None:
    seeded = _seed(store, sessions)
    reopened_id = next(i for i, (s, c) in seeded.items() if s is Severity.HIGH and c.name == "reopened-late")

    view = store.get(reopened_id, EVERYTHING)

    assert view is not None and view.created_at is not None and view.reopened_at is not None
    assert view.created_at < view.reopened_at < utcnow()


def test_reopening_restarts_the_acknowledge_clock(
    store: SqlEscalationStore, sessions: sessionmaker[Session]
) -> None:
    lifecycle = SqlLifecycleStore(sessions, decisions_topic="t.buurt.decisions")
    (escalation_id,) = store.apply([message("k-reopen", [evidence("e-r", "woco", T0)])]).opened
    decision = DecisionInput("no_action", "Geen actie nodig", ())
    steps: list[tuple[Action, dict[str, object]]] = [
        (Action.ACKNOWLEDGE, {}),
        (Action.ASSIGN, {"assignee": "bram"}),
        (Action.DECIDE, {"decision": decision}),
        (Action.RESOLVE, {}),
    ]
    version = 1
    for action, fields in steps:
        command = Command(action=action, actor="anna", role="taskforce", version=version, **fields)  # type: ignore[arg-type]
        version = lifecycle.act(escalation_id, EVERYTHING, command).version
    with sessions.begin() as session:  # the whole story happened long ago
        session.execute(
            update(Escalation)
            .where(Escalation.id == escalation_id)
            .values(created_at=utcnow() - OLD, acknowledged_at=utcnow() - OLD)
        )
    before = utcnow()

    reopen = Command(action=Action.REOPEN, actor="anna", role="taskforce", version=version)
    lifecycle.act(escalation_id, EVERYTHING, reopen)

    view = store.get(escalation_id, EVERYTHING)
    assert view is not None and view.status is Status.REOPENED
    assert view.reopened_at is not None and view.reopened_at >= before
    assert sla_state(view, utcnow(), POLICY).started_at == view.reopened_at
    assert store.list(EscalationFilter(over_sla=True), EVERYTHING).total == 0
