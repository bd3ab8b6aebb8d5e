"""Reports on SQLAlchemy: counted in SQL (grouped by buurt, rule, policy list, time bucket), so the work
does not grow with the number of escalations in Python; the same statements run on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, and_, case, func, select
from sqlalchemy.orm import Session, sessionmaker

from services.db.models import Escalation
from services.escalations.model import Scope, Severity, Status
from services.escalations.sql import scope_conditions
from services.reports.model import (
    OPEN_STATUSES,
    AreaTally,
    Bucket,
    Knelpunten,
    KnelpuntenQuery,
    Overview,
    PairTally,
    PolicyTally,
    RuleSeverityCount,
    RuleTally,
)


class SqlReportStore:
    """ReportStore on a SQLAlchemy session factory.

    Silences are not looked at: a silence mutes the queue, not the evidence, so every escalation counts.
    """

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def overview(self, scope: Scope, weeks: Sequence[Bucket]) -> Overview:
        within = scope_conditions(scope)
        is_open = _is_open()
        with self._sessions() as session:
            per_buurt = session.execute(
                select(Escalation.buurt, func.count()).where(*within, is_open).group_by(Escalation.buurt)
            ).all()
            per_rule = session.execute(
                select(Escalation.rule, Escalation.severity, func.max(Escalation.title), func.count())
                .where(*within, is_open)
                .group_by(Escalation.rule, Escalation.severity)
            ).all()
            trend = _bucket_counts(session, weeks, [*within, _not_withdrawn()]) if weeks else {}
        return Overview(
            open_per_buurt={buurt: count for buurt, count in per_buurt},
            by_rule_severity=tuple(
                sorted(
                    (
                        RuleSeverityCount(rule=rule, title=title, severity=Severity(severity), count=count)
                        for rule, severity, title, count in per_rule
                    ),
                    key=lambda item: (-item.count, item.rule, item.severity.value),
                )
            ),
            trend=tuple((bucket, trend.get((index,), 0)) for index, bucket in enumerate(weeks)),
        )

    def knelpunten(self, scope: Scope, query: KnelpuntenQuery) -> Knelpunten:
        conditions = [*scope_conditions(scope), _not_withdrawn()]
        if query.buurten is not None:
            conditions.append(Escalation.buurt.in_(sorted(query.buurten)))
        in_period = [
            *conditions,
            Escalation.opened_at >= query.start,
            Escalation.opened_at < query.end,
        ]
        open_count = func.sum(case((_is_open(), 1), else_=0))
        with self._sessions() as session:
            groups = session.execute(
                select(
                    Escalation.rule,
                    Escalation.policies,
                    Escalation.organisations,
                    func.max(Escalation.title),
                    func.count(),
                    open_count,
                )
                .where(*in_period)
                .group_by(Escalation.rule, Escalation.policies, Escalation.organisations)
            ).all()
            areas = session.execute(
                select(Escalation.buurt, func.count(), open_count)
                .where(*in_period)
                .group_by(Escalation.buurt)
            ).all()
            monthly = _bucket_counts(session, query.months, conditions, Escalation.rule)
        tallies = _Tallies()
        for rule, policies, organisations, title, total, still_open in groups:
            tallies.add(rule, title, policies, organisations, int(total), int(still_open or 0))
        rule_months = {
            rule: tuple(monthly.get((rule, index), 0) for index in range(len(query.months)))
            for rule in sorted({rule for rule, _ in monthly})
        }
        return Knelpunten(
            query=query,
            rules=tallies.rules(),
            policies=tallies.policies(),
            domain_pairs=_pairs(tallies.domain_pairs),
            organisation_pairs=_pairs(tallies.organisation_pairs),
            buurten=tuple(
                sorted(
                    (
                        AreaTally(code=buurt, total=int(total), open=int(still_open or 0))
                        for buurt, total, still_open in areas
                    ),
                    key=lambda item: (-item.total, item.code),
                )
            ),
            per_month=tuple(
                sum(counts[index] for counts in rule_months.values()) for index in range(len(query.months))
            ),
            rule_months=rule_months,
        )


def _is_open() -> ColumnElement[bool]:
    return Escalation.status.in_([status.value for status in OPEN_STATUSES])


def _not_withdrawn() -> ColumnElement[bool]:
    # A withdrawn escalation is a clash that turned out not to be one (a late event showed otherwise).
    return Escalation.status != Status.WITHDRAWN.value


def _bucket_counts(
    session: Session, buckets: Sequence[Bucket], conditions: Sequence[ColumnElement[bool]], *columns: Any
) -> dict[tuple[Any, ...], int]:
    """Escalations per (columns..., bucket index) by `opened_at`; the bucket index is computed in an inner
    query, so the outer one groups by a plain column (PostgreSQL does not match two CASE expressions with
    separate parameters)."""
    opened = Escalation.opened_at
    index = case(
        *(
            (and_(opened >= bucket.start, opened < bucket.end), position)
            for position, bucket in enumerate(buckets)
        ),
        else_=-1,
    )
    inner = (
        select(*columns, index.cast(Integer).label("bucket"))
        .where(*conditions, opened >= buckets[0].start, opened < buckets[-1].end)
        .subquery()
    )
    keys = [inner.c[column.key] for column in columns]
    statement: Select[Any] = select(*keys, inner.c.bucket, func.count()).group_by(*keys, inner.c.bucket)
    return {tuple(row[:-1]): int(row[-1]) for row in session.execute(statement)}


@dataclass
class _Tallies:
    """Adds up grouped rows into the knelpunten tallies."""

    rule_totals: Counter[str] = field(default_factory=Counter)
    rule_open: Counter[str] = field(default_factory=Counter)
    titles: dict[str, str] = field(default_factory=dict)
    policy_totals: Counter[tuple[str, str]] = field(default_factory=Counter)
    policy_open: Counter[tuple[str, str]] = field(default_factory=Counter)
    policy_texts: dict[tuple[str, str], str] = field(default_factory=dict)
    policy_rules: defaultdict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    domain_pairs: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    organisation_pairs: dict[tuple[str, str], list[int]] = field(default_factory=dict)

    def add(
        self, rule: str, title: str, policies: Any, organisations: Any, total: int, still_open: int
    ) -> None:
        self.rule_totals[rule] += total
        self.rule_open[rule] += still_open
        self.titles[rule] = max(title, self.titles.get(rule, ""))
        named = _policies(policies)
        for key, text in named.items():
            self.policy_totals[key] += total
            self.policy_open[key] += still_open
            self.policy_texts.setdefault(key, text)
            self.policy_rules[key].add(rule)
        _add_pairs(self.domain_pairs, {domain for domain, _ in named}, total, still_open)
        _add_pairs(self.organisation_pairs, _strings(organisations), total, still_open)

    def rules(self) -> tuple[RuleTally, ...]:
        return tuple(
            RuleTally(rule=rule, title=self.titles[rule], total=total, open=self.rule_open[rule])
            for rule, total in sorted(self.rule_totals.items(), key=lambda item: (-item[1], item[0]))
        )

    def policies(self) -> tuple[PolicyTally, ...]:
        return tuple(
            PolicyTally(
                domain=domain,
                reference=reference,
                text=self.policy_texts[(domain, reference)],
                rules=tuple(sorted(self.policy_rules[(domain, reference)])),
                total=total,
                open=self.policy_open[(domain, reference)],
            )
            for (domain, reference), total in sorted(
                self.policy_totals.items(), key=lambda item: (-item[1], item[0][1], item[0][0])
            )
        )


def _policies(stored: Any) -> dict[tuple[str, str], str]:
    """(domain, reference) -> text of a stored policy list; each policy counts once per escalation."""
    found: dict[tuple[str, str], str] = {}
    for item in stored if isinstance(stored, list) else []:
        if isinstance(item, dict) and isinstance(item.get("reference"), str):
            key = (str(item.get("domain", "")), item["reference"])
            found.setdefault(key, str(item.get("text", "")))
    return found


def _strings(stored: Any) -> set[str]:
    return {item for item in stored if isinstance(item, str)} if isinstance(stored, list) else set()


def _add_pairs(
    pairs: dict[tuple[str, str], list[int]], members: Iterable[str], total: int, still_open: int
) -> None:
    for pair in itertools.combinations(sorted(set(members)), 2):
        counts = pairs.setdefault(pair, [0, 0])
        counts[0] += total
        counts[1] += still_open


def _pairs(pairs: dict[tuple[str, str], list[int]]) -> tuple[PairTally, ...]:
    return tuple(
        PairTally(first=first, second=second, total=total, open=still_open)
        for (first, second), (total, still_open) in sorted(
            pairs.items(), key=lambda item: (-item[1][0], item[0])
        )
    )
