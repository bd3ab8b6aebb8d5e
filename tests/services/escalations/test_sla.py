"""SLA clocks: which one runs in which status, from when, and when it is overdue."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from services.config import Settings
from services.escalations.model import EscalationView, Severity, Status
from services.escalations.sla import Clock, SlaPolicy, clock_of, clock_start, sla_state

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
POLICY = SlaPolicy.from_settings(
    Settings.model_construct(
        sla_acknowledge_hours_high=24,
        sla_acknowledge_hours_medium=72,
        sla_acknowledge_hours_low=168,
        sla_decision_days_high=7,
        sla_decision_days_medium=21,
        sla_decision_days_low=42,
    )
)


def view(
    status: Status = Status.OPEN, severity: Severity = Severity.HIGH, **fields: object
) -> EscalationView:
    base = EscalationView(
        id=1,
        dedup_key="k",
        rule="r",
        title="t",
        severity=severity,
        status=status,
        buurt="BU0363AD05",
        subject="hh:household0001",
        organisations=(),
        policies=(),
        opened_at=T0 - timedelta(days=60),  # the evidence time: long before wijkbrug saw the clash
        updated_at=T0,
        version=1,
        created_at=T0,
    )
    return replace(base, **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("status", "clock"),
    [
        (Status.OPEN, Clock.ACKNOWLEDGE),
        (Status.REOPENED, Clock.ACKNOWLEDGE),
        (Status.ACKNOWLEDGED, Clock.DECISION),
        (Status.IN_PROGRESS, Clock.DECISION),
        (Status.DECIDED, None),
        (Status.RESOLVED, None),
        (Status.WITHDRAWN, None),
    ],
)
def test_each_status_runs_its_clock(status: Status, clock: Clock | None) -> None:
    assert clock_of(status) is clock


def test_the_defaults_are_the_settings_defaults() -> None:
    defaults = SlaPolicy.defaults()
    settings = Settings()

    assert defaults == SlaPolicy.from_settings(settings)
    assert defaults.limit(Clock.ACKNOWLEDGE, Severity.HIGH) == timedelta(days=1)
    assert defaults.limit(Clock.DECISION, Severity.LOW) == timedelta(weeks=6)


def test_the_policy_follows_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIJKBRUG_SLA_ACKNOWLEDGE_HOURS_MEDIUM", "4")
    monkeypatch.setenv("WIJKBRUG_SLA_DECISION_DAYS_HIGH", "2.5")

    policy = SlaPolicy.from_settings(Settings())

    assert policy.limit(Clock.ACKNOWLEDGE, Severity.MEDIUM) == timedelta(hours=4)
    assert policy.limit(Clock.DECISION, Severity.HIGH) == timedelta(days=2, hours=12)


@pytest.mark.parametrize(
    ("severity", "limit"),
    [
        (Severity.HIGH, timedelta(hours=24)),
        (Severity.MEDIUM, timedelta(hours=72)),
        (Severity.LOW, timedelta(days=7)),
    ],
)
def test_the_acknowledge_clock_starts_when_the_escalation_arrived_not_at_its_evidence(
    severity: Severity, limit: timedelta
) -> None:
    state = sla_state(view(severity=severity), T0 + timedelta(hours=1), POLICY)

    assert state.clock is Clock.ACKNOWLEDGE
    assert state.started_at == T0
    assert state.due_at == T0 + limit
    assert state.remaining == limit - timedelta(hours=1)
    assert not state.overdue


def test_an_old_row_without_created_at_counts_from_opened_at() -> None:
    old = view(created_at=None)

    assert clock_start(old, Clock.ACKNOWLEDGE) == old.opened_at


def test_a_clock_past_its_due_time_is_overdue_by_the_difference() -> None:
    state = sla_state(view(), T0 + timedelta(days=3), POLICY)

    assert state.overdue
    assert state.remaining == -timedelta(days=2)


def test_exactly_at_the_due_time_it_is_not_yet_overdue() -> None:
    assert not sla_state(view(), T0 + timedelta(hours=24), POLICY).overdue
    assert sla_state(view(), T0 + timedelta(hours=24, microseconds=1), POLICY).overdue


def test_the_decision_clock_starts_at_the_acknowledgement() -> None:
    acknowledged = T0 + timedelta(days=2)  # acknowledged late; the decision clock starts afresh
    state = sla_state(
        view(Status.IN_PROGRESS, Severity.MEDIUM, acknowledged_at=acknowledged),
        T0 + timedelta(days=10),
        POLICY,
    )

    assert state.clock is Clock.DECISION
    assert state.due_at == acknowledged + timedelta(days=21)
    assert not state.overdue


def test_a_reopened_escalation_gets_a_fresh_acknowledge_clock() -> None:
    reopened = T0 + timedelta(days=30)
    state = sla_state(
        view(Status.REOPENED, acknowledged_at=T0, reopened_at=reopened), reopened + timedelta(hours=2), POLICY
    )

    assert state.started_at == reopened
    assert not state.overdue


def test_a_reopened_escalation_assigned_without_acknowledging_counts_from_the_reopening() -> None:
    reopened = T0 + timedelta(days=30)
    state = sla_state(
        view(Status.IN_PROGRESS, acknowledged_at=T0, reopened_at=reopened),
        reopened + timedelta(days=1),
        POLICY,
    )

    assert state.clock is Clock.DECISION
    assert state.started_at == reopened
    assert state.due_at == reopened + timedelta(days=7)


def test_an_acknowledgement_after_the_reopening_starts_the_decision_clock() -> None:
    reopened = T0 + timedelta(days=30)
    acknowledged = reopened + timedelta(hours=5)

    state = sla_state(
        view(Status.ACKNOWLEDGED, acknowledged_at=acknowledged, reopened_at=reopened), reopened, POLICY
    )

    assert state.started_at == acknowledged


@pytest.mark.parametrize("status", [Status.DECIDED, Status.RESOLVED, Status.WITHDRAWN])
def test_no_clock_runs_once_decided_resolved_or_withdrawn(status: Status) -> None:
    state = sla_state(view(status, acknowledged_at=T0), T0 + timedelta(days=365), POLICY)

    assert state.clock is None
    assert (state.due_at, state.remaining, state.overdue) == (None, None, False)
