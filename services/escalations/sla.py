"""Service levels per severity: which clock runs on an escalation, when it is due, and whether it is late.

Two clocks, one at a time:
- acknowledge: runs while the escalation is open or reopened; it starts when the escalation reached the
  taskforce (`created_at`, the row's creation; not `opened_at`, which is the time of the evidence and may
  lie long before wijkbrug saw it), or at `reopened_at` once it was reopened;
- decision: runs while it is acknowledged or in progress; it starts at `acknowledged_at`, or at
  `reopened_at` if that is later (a reopened escalation assigned without a new acknowledgement).
Decided, resolved and withdrawn escalations have no clock. `over_sla_condition` in
services.escalations.sla_sql is the same rule in SQL; keep the two in step.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from types import MappingProxyType

from services.config import Settings
from services.escalations.model import EscalationView, Severity, Status


class Clock(StrEnum):
    """What the taskforce owes an escalation next."""

    ACKNOWLEDGE = "acknowledge"
    DECISION = "decision"


#: Which clock runs in which status; statuses not listed have none.
CLOCK_OF_STATUS: Mapping[Status, Clock] = MappingProxyType(
    {
        Status.OPEN: Clock.ACKNOWLEDGE,
        Status.REOPENED: Clock.ACKNOWLEDGE,
        Status.ACKNOWLEDGED: Clock.DECISION,
        Status.IN_PROGRESS: Clock.DECISION,
    }
)


@dataclass(frozen=True)
class SlaPolicy:
    """How long each clock may run, per severity."""

    acknowledge: Mapping[Severity, timedelta]
    decision: Mapping[Severity, timedelta]

    @classmethod
    def from_settings(cls, settings: Settings) -> SlaPolicy:
        """The policy configured by the `WIJKBRUG_SLA_*` settings."""
        return cls(
            acknowledge=MappingProxyType(
                {
                    Severity.HIGH: timedelta(hours=settings.sla_acknowledge_hours_high),
                    Severity.MEDIUM: timedelta(hours=settings.sla_acknowledge_hours_medium),
                    Severity.LOW: timedelta(hours=settings.sla_acknowledge_hours_low),
                }
            ),
            decision=MappingProxyType(
                {
                    Severity.HIGH: timedelta(days=settings.sla_decision_days_high),
                    Severity.MEDIUM: timedelta(days=settings.sla_decision_days_medium),
                    Severity.LOW: timedelta(days=settings.sla_decision_days_low),
                }
            ),
        )

    @classmethod
    def defaults(cls) -> SlaPolicy:
        """The policy of the settings' defaults (no environment read)."""
        return cls.from_settings(Settings.model_construct())

    def limit(self, clock: Clock, severity: Severity) -> timedelta:
        """How long `clock` may run on an escalation of `severity`."""
        return (self.acknowledge if clock is Clock.ACKNOWLEDGE else self.decision)[severity]


@dataclass(frozen=True)
class SlaState:
    """The running clock of one escalation at one moment; all None when no clock runs."""

    clock: Clock | None
    started_at: datetime | None = None
    due_at: datetime | None = None
    remaining: timedelta | None = None  # negative when overdue

    @property
    def overdue(self) -> bool:
        """Whether the running clock has run out."""
        return self.remaining is not None and self.remaining < timedelta(0)


def clock_of(status: Status) -> Clock | None:
    """The clock that runs in `status`, if any."""
    return CLOCK_OF_STATUS.get(status)


def clock_start(view: EscalationView, clock: Clock) -> datetime:
    """When `clock` started on `view` (see the module docstring)."""
    arrived = view.created_at or view.opened_at
    if clock is Clock.ACKNOWLEDGE:
        return view.reopened_at or arrived
    acknowledged = view.acknowledged_at or arrived
    if view.reopened_at is not None and view.reopened_at > acknowledged:
        return view.reopened_at
    return acknowledged


def sla_state(view: EscalationView, now: datetime, policy: SlaPolicy) -> SlaState:
    """The clock running on `view` at `now`: since when, due when, and how much time is left."""
    clock = clock_of(view.status)
    if clock is None:
        return SlaState(clock=None)
    started = clock_start(view, clock)
    due = started + policy.limit(clock, view.severity)
    return SlaState(clock=clock, started_at=started, due_at=due, remaining=due - now)
