"""SqlReportStore: exact figures over a small set of escalations, per scope, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from schemas.escalation import PolicyRef
from schemas.identifiers import Domain
from services.db.models import Escalation, EvidenceRow
from services.escalations.model import Scope, Severity, Status
from services.escalations.sql import SqlEscalationStore
from services.reports.model import (
    AreaTally,
    KnelpuntenQuery,
    PairTally,
    PolicyTally,
    RuleSeverityCount,
    RuleTally,
)
from services.reports.periods import iso_weeks, months
from services.reports.sql import SqlReportStore
from tests.support.escalations import CENTRUM, NOORD, evidence, message

pytestmark = pytest.mark.db

TABLES = (EvidenceRow, Escalation)
ZONE = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 10, 14, 12, 0, tzinfo=UTC)
WEEKS = iso_weeks(NOW, 12, ZONE)
MONTHS = months(NOW, 12, ZONE)
EVERYTHING = Scope(everything=True)

EVICTION, STACKED, PERMIT = (
    "eviction-during-debt-assistance",
    "stacked-interventions",
    "initiative-permit-refused",
)
HOUSING = PolicyRef(domain=Domain.HOUSING, reference="huurbeleid-4.2", text="Ontruiming na dagvaarding")
DEBT = PolicyRef(domain=Domain.SOCIAL, reference="schuldhulp-1", text="Schuldhulp stopt bij ontruiming")
ENFORCEMENT = PolicyRef(domain=Domain.SAFETY, reference="handhaving-2", text="Sluiting na drugsvondst")
PERMITS = PolicyRef(domain=Domain.MUNICIPALITY, reference="apv-2.1", text="Vergunning binnen acht weken")


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


@pytest.fixture
def reports(sessions: sessionmaker[Session]) -> SqlReportStore:
    """Six escalations: open, resolved, decided, an initiative, a withdrawn one, and one from long ago."""
    store = SqlEscalationStore(sessions)
    orgs = ("woco", "gemeente")
    store.apply(
        [
            message("k1", [evidence(f"k1-{org}", org, ago(1)) for org in orgs], policies=(HOUSING, DEBT)),
            message(
                "k2",
                [evidence(f"k2-{org}", org, ago(8)) for org in orgs],
                subject="hh:household0002",
                buurt=NOORD,
                policies=(HOUSING, DEBT),
            ),
            message(
                "k3",
                [evidence(f"k3-{org}", org, ago(40)) for org in (*orgs, "politie")],
                rule=STACKED,
                subject="hh:household0003",
                severity="medium",
                policies=(HOUSING, ENFORCEMENT),
            ),
            message(
                "k4",
                [evidence("k4-gemeente", "gemeente", ago(100))],
                rule=PERMIT,
                subject="ini:initiative0004",
                buurt=NOORD,
                severity="low",
                policies=(PERMITS,),
            ),
            message("k5", [evidence(f"k5-{org}", org, ago(2)) for org in orgs], subject="hh:household0005"),
            message("k6", [evidence(f"k6-{org}", org, ago(400)) for org in orgs], subject="hh:household0006"),
        ]
    )
    store.apply([message("k5", [], subject="hh:household0005")])
    with sessions.begin() as session:
        for key, status in (("k2", Status.RESOLVED), ("k3", Status.DECIDED)):
            session.execute(update(Escalation).where(Escalation.dedup_key == key).values(status=status.value))
    return SqlReportStore(sessions)


def week_of(moment: datetime) -> int:
    (index,) = [index for index, week in enumerate(WEEKS) if week.start <= moment < week.end]
    return index


def month_of(moment: datetime) -> int:
    (index,) = [index for index, month in enumerate(MONTHS) if month.start <= moment < month.end]
    return index


# overview ----------------------------------------------------------------------------------------------


def test_the_overview_counts_open_escalations_per_buurt(reports: SqlReportStore) -> None:
    overview = reports.overview(EVERYTHING, WEEKS)

    # k1, k3 (decided is still open) and k6 in the centre; k4 in Noord (k2 is resolved, k5 withdrawn).
    assert overview.open_per_buurt == {CENTRUM: 3, NOORD: 1}
    assert overview.total_open == 4


def test_the_overview_counts_open_escalations_per_rule_and_severity(reports: SqlReportStore) -> None:
    overview = reports.overview(EVERYTHING, WEEKS)

    assert [(item.rule, item.severity, item.count) for item in overview.by_rule_severity] == [
        (EVICTION, Severity.HIGH, 2),
        (PERMIT, Severity.LOW, 1),
        (STACKED, Severity.MEDIUM, 1),
    ]
    assert overview.by_rule_severity[0] == RuleSeverityCount(
        rule=EVICTION, title=f"{EVICTION} for hh:household0006", severity=Severity.HIGH, count=2
    )


def test_the_trend_counts_escalations_opened_per_week_resolved_ones_too(reports: SqlReportStore) -> None:
    overview = reports.overview(EVERYTHING, WEEKS)

    expected = [0] * 12
    for days in (1, 8, 40):  # k1, k2 (resolved) and k3; k5 is withdrawn, k4 and k6 are older
        expected[week_of(ago(days))] += 1
    assert [bucket for bucket, _ in overview.trend] == list(WEEKS)
    assert [count for _, count in overview.trend] == expected
    assert sum(expected) == 3 and expected[-1] == 1


def test_the_overview_of_a_liaison_counts_their_organisations_escalations(reports: SqlReportStore) -> None:
    overview = reports.overview(Scope(org="politie"), WEEKS)

    assert overview.open_per_buurt == {CENTRUM: 1}
    assert [(item.rule, item.count) for item in overview.by_rule_severity] == [(STACKED, 1)]
    assert sum(count for _, count in overview.trend) == 1


def test_the_overview_of_a_resident_counts_every_escalation_of_their_buurten(reports: SqlReportStore) -> None:
    overview = reports.overview(Scope(buurten=frozenset({NOORD})), WEEKS)

    assert overview.open_per_buurt == {NOORD: 1}
    assert sum(count for _, count in overview.trend) == 1, "k2, a household's, resolved"


def test_an_empty_scope_counts_nothing(reports: SqlReportStore) -> None:
    overview = reports.overview(Scope(), WEEKS)
    knelpunten = reports.knelpunten(Scope(), KnelpuntenQuery(months=MONTHS))

    assert overview.open_per_buurt == {}
    assert overview.by_rule_severity == ()
    assert [count for _, count in overview.trend] == [0] * 12
    assert (knelpunten.total, knelpunten.rules, knelpunten.buurten) == (0, (), ())
    assert knelpunten.per_month == (0,) * 12


# knelpunten --------------------------------------------------------------------------------------------


def test_knelpunten_per_rule(reports: SqlReportStore) -> None:
    knelpunten = reports.knelpunten(EVERYTHING, KnelpuntenQuery(months=MONTHS))

    # k1 and k2 (resolved); k3; k4. Not k5 (withdrawn) nor k6 (before the period).
    assert knelpunten.rules == (
        RuleTally(rule=EVICTION, title=f"{EVICTION} for hh:household0002", total=2, open=1),
        RuleTally(rule=PERMIT, title=f"{PERMIT} for ini:initiative0004", total=1, open=1),
        RuleTally(rule=STACKED, title=f"{STACKED} for hh:household0003", total=1, open=1),
    )
    assert (knelpunten.total, knelpunten.open) == (4, 3)


def test_knelpunten_per_policy(reports: SqlReportStore) -> None:
    knelpunten = reports.knelpunten(EVERYTHING, KnelpuntenQuery(months=MONTHS))

    assert knelpunten.policies == (
        PolicyTally("housing", "huurbeleid-4.2", HOUSING.text, (EVICTION, STACKED), total=3, open=2),
        PolicyTally("social", "schuldhulp-1", DEBT.text, (EVICTION,), total=2, open=1),
        PolicyTally("municipality", "apv-2.1", PERMITS.text, (PERMIT,), total=1, open=1),
        PolicyTally("safety", "handhaving-2", ENFORCEMENT.text, (STACKED,), total=1, open=1),
    )


def test_knelpunten_per_pair_of_domains_and_of_organisations(reports: SqlReportStore) -> None:
    knelpunten = reports.knelpunten(EVERYTHING, KnelpuntenQuery(months=MONTHS))

    assert knelpunten.domain_pairs == (
        PairTally("housing", "social", total=2, open=1),
        PairTally("housing", "safety", total=1, open=1),
    )
    assert knelpunten.organisation_pairs == (
        PairTally("gemeente", "woco", total=3, open=2),
        PairTally("gemeente", "politie", total=1, open=1),
        PairTally("politie", "woco", total=1, open=1),
    )


def test_knelpunten_per_buurt_and_month(reports: SqlReportStore) -> None:
    knelpunten = reports.knelpunten(EVERYTHING, KnelpuntenQuery(months=MONTHS))

    assert knelpunten.buurten == (AreaTally(CENTRUM, total=2, open=2), AreaTally(NOORD, total=2, open=1))
    expected = {EVICTION: [0] * 12, STACKED: [0] * 12, PERMIT: [0] * 12}
    for rule, days in ((EVICTION, 1), (EVICTION, 8), (STACKED, 40), (PERMIT, 100)):
        expected[rule][month_of(ago(days))] += 1
    assert {rule: list(counts) for rule, counts in knelpunten.rule_months.items()} == expected
    assert list(knelpunten.per_month) == [sum(column) for column in zip(*expected.values(), strict=True)]
    assert knelpunten.per_month[-1] == 2


def test_a_shorter_period_counts_fewer(reports: SqlReportStore) -> None:
    knelpunten = reports.knelpunten(EVERYTHING, KnelpuntenQuery(months=months(NOW, 1, ZONE)))

    assert [(item.rule, item.total) for item in knelpunten.rules] == [(EVICTION, 2)]
    assert knelpunten.per_month == (2,)


def test_knelpunten_within_a_set_of_buurten(reports: SqlReportStore) -> None:
    knelpunten = reports.knelpunten(EVERYTHING, KnelpuntenQuery(months=MONTHS, buurten=frozenset({NOORD})))

    assert [(item.rule, item.total, item.open) for item in knelpunten.rules] == [
        (EVICTION, 1, 0),
        (PERMIT, 1, 1),
    ]
    assert knelpunten.buurten == (AreaTally(NOORD, total=2, open=1),)
    assert knelpunten.domain_pairs == (PairTally("housing", "social", total=1, open=0),)


def test_knelpunten_of_a_liaison(reports: SqlReportStore) -> None:
    knelpunten = reports.knelpunten(Scope(org="politie"), KnelpuntenQuery(months=MONTHS))

    assert [(item.rule, item.total) for item in knelpunten.rules] == [(STACKED, 1)]
    assert [(item.reference, item.total) for item in knelpunten.policies] == [
        ("handhaving-2", 1),
        ("huurbeleid-4.2", 1),
    ]
    assert knelpunten.buurten == (AreaTally(CENTRUM, total=1, open=1),)


def test_a_resident_scope_and_a_wijk_filter_narrow_each_other(reports: SqlReportStore) -> None:
    scope = Scope(buurten=frozenset({NOORD}))

    knelpunten = reports.knelpunten(scope, KnelpuntenQuery(months=MONTHS, buurten=frozenset({CENTRUM})))

    assert knelpunten.total == 0
