"""Value objects for reading escalations."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    """The lifecycle states of PRODUCT.md."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    DECIDED = "decided"
    RESOLVED = "resolved"
    REOPENED = "reopened"
    WITHDRAWN = "withdrawn"


class Severity(StrEnum):
    """How urgent a clash is."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


@dataclass(frozen=True)
class EvidenceView:
    """An event that shows the clash; never its payload."""

    event_id: str
    source: str
    org: str
    type: str
    label: str
    time: datetime


@dataclass(frozen=True)
class InstructionView:
    """What one organisation must do after a decision, and whether its liaison confirmed it."""

    org: str
    action: str
    done_at: datetime | None = None
    done_by: str | None = None


@dataclass(frozen=True)
class DecisionView:
    """The taskforce's decision on an escalation."""

    kind: str
    text: str
    instructions: tuple[InstructionView, ...]
    decided_by: str
    decided_at: datetime
    event_id: str


@dataclass(frozen=True)
class HistoryView:
    """One step of the lifecycle: who did what, when, and the status before and after."""

    at: datetime
    actor: str
    action: str
    from_status: Status
    to_status: Status
    text: str | None
    detail: dict[str, Any]


@dataclass(frozen=True)
class EscalationView:
    """One escalation as the API and the dashboard show it."""

    id: int
    dedup_key: str
    rule: str
    title: str
    severity: Severity
    status: Status
    buurt: str
    subject: str
    organisations: tuple[str, ...]
    policies: tuple[dict[str, Any], ...]
    opened_at: datetime
    updated_at: datetime
    version: int
    evidence: tuple[EvidenceView, ...] = ()
    withdrawn_at: datetime | None = None
    assignee: str | None = None
    acknowledged_at: datetime | None = None
    decided_at: datetime | None = None
    resolved_at: datetime | None = None
    decision: DecisionView | None = None
    history: tuple[HistoryView, ...] = ()
    created_at: datetime | None = None
    reopened_at: datetime | None = None
    silenced_until: datetime | None = None
    traceparent: str | None = None


class EscalationSort(StrEnum):
    """Orders of an escalation list; each ends with the id (newest first), so paging is stable."""

    UPDATED = "updated"  # most recently updated first
    OPENED = "opened"  # most recently opened first
    SEVERITY = "severity"  # high before medium before low, then most recently updated
    BUURT = "buurt"  # by buurt code, then most recently updated


@dataclass(frozen=True)
class EscalationFilter:
    """Query filters; None means any."""

    status: tuple[Status, ...] | None = None
    buurt: str | None = None
    buurten: tuple[str, ...] | None = None  # any of these buurten (a wijk); empty: none at all
    ids: tuple[int, ...] | None = None  # only these escalations (the live feed's changed rows)
    rule: str | None = None
    severity: Severity | None = None
    subject: str | None = None
    org: str | None = None
    over_sla: bool = False  # only escalations whose SLA clock (services.escalations.sla) has run out
    silenced: bool | None = None  # None: both; False: not under an active silence; True: only silenced
    sort: EscalationSort = EscalationSort.UPDATED
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True)
class Scope:
    """What part of the escalations a reader may see at all (decided by services.access)."""

    everything: bool = False
    org: str | None = None
    buurten: frozenset[str] = field(default_factory=frozenset)
    initiatives_only: bool = False


@dataclass(frozen=True)
class Page:
    """A page of escalations and the total that matched."""

    items: tuple[EscalationView, ...]
    total: int


@dataclass(frozen=True)
class ApplyResult:
    """What applying a batch of escalation messages changed."""

    opened: tuple[int, ...] = ()
    updated: tuple[int, ...] = ()
    unchanged: int = 0
    #: The rule of each opened and updated escalation, in the same order (for the metrics).
    opened_rules: tuple[str, ...] = ()
    updated_rules: tuple[str, ...] = ()
