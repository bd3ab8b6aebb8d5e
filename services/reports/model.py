"""Value objects of the reports: time buckets, the overview's figures and the knelpunten figures."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from services.escalations.model import Severity, Status

#: An escalation counts as open until it is resolved or withdrawn (a decided one still waits for the
#: organisations to act), the same as the queue's "lopend".
CLOSED_STATUSES = frozenset({Status.RESOLVED, Status.WITHDRAWN})
OPEN_STATUSES = tuple(status for status in Status if status not in CLOSED_STATUSES)


@dataclass(frozen=True)
class Bucket:
    """A half-open stretch of time [start, end) that figures are counted in, e.g. an ISO week or a month."""

    key: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class RuleSeverityCount:
    """Open escalations of one rule with one severity."""

    rule: str
    title: str
    severity: Severity
    count: int


@dataclass(frozen=True)
class Overview:
    """The overview page's figures: open escalations per buurt, per rule and severity, and opened per week."""

    open_per_buurt: Mapping[str, int]
    by_rule_severity: tuple[RuleSeverityCount, ...]
    trend: tuple[tuple[Bucket, int], ...]

    @property
    def total_open(self) -> int:
        """All open escalations within the scope."""
        return sum(self.open_per_buurt.values())


@dataclass(frozen=True)
class KnelpuntenQuery:
    """Which escalations the knelpunten count: opened within `months` (contiguous, oldest first), and
    only in `buurten` when given (a wijk's buurten)."""

    months: tuple[Bucket, ...]
    buurten: frozenset[str] | None = None

    def __post_init__(self) -> None:
        if not self.months:
            raise ValueError("a knelpunten query needs at least one month")

    @property
    def start(self) -> datetime:
        """The start of the period (inclusive)."""
        return self.months[0].start

    @property
    def end(self) -> datetime:
        """The end of the period (exclusive)."""
        return self.months[-1].end


@dataclass(frozen=True)
class RuleTally:
    """Escalations of one rule, and how many of them are still open."""

    rule: str
    title: str
    total: int
    open: int


@dataclass(frozen=True)
class PolicyTally:
    """Escalations in which one organisational policy clashed, and the rules that name it."""

    domain: str
    reference: str
    text: str
    rules: tuple[str, ...]
    total: int
    open: int


@dataclass(frozen=True)
class PairTally:
    """Escalations in which two domains (or two organisations) clashed with each other."""

    first: str
    second: str
    total: int
    open: int


@dataclass(frozen=True)
class AreaTally:
    """Escalations in one buurt or wijk."""

    code: str
    total: int
    open: int


@dataclass(frozen=True)
class Knelpunten:
    """Which rules and policies clash most, where and when (withdrawn escalations do not count)."""

    query: KnelpuntenQuery
    rules: tuple[RuleTally, ...]
    policies: tuple[PolicyTally, ...]
    domain_pairs: tuple[PairTally, ...]
    organisation_pairs: tuple[PairTally, ...]
    buurten: tuple[AreaTally, ...]
    #: Escalations opened per month of `query.months`.
    per_month: tuple[int, ...]
    #: Per rule, the escalations opened per month of `query.months`.
    rule_months: Mapping[str, tuple[int, ...]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """All escalations counted."""
        return sum(item.total for item in self.rules)

    @property
    def open(self) -> int:
        """The counted escalations that are still open."""
        return sum(item.open for item in self.rules)
