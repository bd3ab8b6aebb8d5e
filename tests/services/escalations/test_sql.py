"""SqlEscalationStore: idempotent apply by dedup key, filtered and paged lists, and what each scope shows."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from schemas.escalation import EscalationMessage, Evidence, PolicyRef
from schemas.identifiers import Domain, source_for
from services.db.engine import create_db_engine, create_session_factory
from services.db.models import Escalation, EvidenceRow
from services.escalations.model import EscalationFilter, Scope, Severity, Status
from services.escalations.sql import SqlEscalationStore
from tests.support.databases import DatabaseFactory

pytestmark = pytest.mark.db

T0 = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
NOORD = "BU0363NA01"
CENTRUM = "BU0363AD05"
EVERYTHING = Scope(everything=True)

TYPES = {
    "woco": ("nl.wijkbrug.housing.eviction.summoned", "Dagvaarding ontruiming"),
    "gemeente": ("nl.wijkbrug.social.debt_assistance.started", "Schuldhulp gestart"),
    "politie": ("nl.wijkbrug.safety.enforcement.action", "Handhaving"),
}


def evidence(event_id: str, org: str, time: datetime) -> Evidence:
    event_type, label = TYPES[org]
    return Evidence(id=event_id, source=source_for(org), org=org, type=event_type, time=time, label_nl=label)


def message(
    dedup_key: str,
    items: Sequence[Evidence],
    *,
    rule: str = "eviction-during-debt-assistance",
    subject: str = "hh:household0001",
    buurt: str = CENTRUM,
    severity: str = "high",
    opened_at: datetime | None = None,
) -> EscalationMessage:
    return EscalationMessage.model_validate(
        {
            "dedup_key": dedup_key,
            "rule": rule,
            "title": f"{rule} for {subject}",
            "severity": severity,
            "subject": subject,
            "buurt": buurt,
            "opened_at": opened_at or max(item.time for item in items),
            "organisations": [item.org for item in items],
            "evidence": list(items),
            "policies": [
                PolicyRef(domain=Domain.HOUSING, reference="huurbeleid-4.2", text="Ontruiming na dagvaarding")
            ],
            "emitted_at": T0 + timedelta(days=30),
        }
    )


#: The tables this store writes, children first; emptied before every test.
TABLES = (EvidenceRow, Escalation)


@pytest.fixture(scope="module")
def engine(databases: DatabaseFactory) -> Iterator[Engine]:
    """One migrated and seeded database for the module: on PostgreSQL a new database per test costs
    0.3-0.5 s (CREATE DATABASE ... TEMPLATE, DROP DATABASE), emptying a few tables costs milliseconds."""
    engine = create_db_engine(databases.new())
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    with engine.begin() as connection:
        for table in TABLES:
            connection.execute(delete(table))
    return create_session_factory(engine)


@pytest.fixture
def store(sessions: sessionmaker[Session]) -> SqlEscalationStore:
    return SqlEscalationStore(sessions)


def _evidence_rows(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(EvidenceRow)) or 0


# apply ----------------------------------------------------------------------------------------------


def test_a_new_dedup_key_opens_an_escalation(store: SqlEscalationStore) -> None:
    first = message("k1", [evidence("e2", "gemeente", T0 + timedelta(days=1)), evidence("e1", "woco", T0)])

    result = store.apply([first])

    assert result.updated == ()
    assert result.unchanged == 0
    assert len(result.opened) == 1
    view = store.get(result.opened[0], EVERYTHING)
    assert view is not None
    assert (view.dedup_key, view.rule, view.subject, view.buurt) == (
        "k1",
        "eviction-during-debt-assistance",
        "hh:household0001",
        CENTRUM,
    )
    assert (view.status, view.severity, view.version) == (Status.OPEN, Severity.HIGH, 1)
    assert view.title == first.title
    assert view.organisations == ("gemeente", "woco")
    assert view.opened_at == T0 + timedelta(days=1)
    assert view.policies == (
        {"domain": "housing", "reference": "huurbeleid-4.2", "text": "Ontruiming na dagvaarding"},
    )
    assert [(item.event_id, item.org, item.source, item.type, item.time) for item in view.evidence] == [
        ("e1", "woco", source_for("woco"), TYPES["woco"][0], T0),
        ("e2", "gemeente", source_for("gemeente"), TYPES["gemeente"][0], T0 + timedelta(days=1)),
    ]
    assert view.evidence[0].label == TYPES["woco"][1]
    assert view.updated_at.utcoffset() == timedelta(0)


def test_the_same_message_again_changes_nothing(
    store: SqlEscalationStore, sessions: sessionmaker[Session]
) -> None:
    first = message("k1", [evidence("e1", "woco", T0), evidence("e2", "gemeente", T0)])
    (escalation_id,) = store.apply([first]).opened
    before = store.get(escalation_id, EVERYTHING)
    rows_before = _evidence_rows(sessions)

    result = store.apply([first])

    assert (result.opened, result.updated, result.unchanged) == ((), (), 1)
    assert store.get(escalation_id, EVERYTHING) == before
    assert _evidence_rows(sessions) == rows_before == 2


def test_extra_evidence_updates_the_escalation(store: SqlEscalationStore) -> None:
    (escalation_id,) = store.apply(
        [message("k1", [evidence("e1", "woco", T0 + timedelta(days=2))], opened_at=T0 + timedelta(days=2))]
    ).opened
    before = store.get(escalation_id, EVERYTHING)
    assert before is not None

    later = message(
        "k1",
        [evidence("e1", "woco", T0 + timedelta(days=2)), evidence("e0", "gemeente", T0)],
        opened_at=T0,
    )
    result = store.apply([later])

    assert (result.opened, result.updated, result.unchanged) == ((), (escalation_id,), 0)
    after = store.get(escalation_id, EVERYTHING)
    assert after is not None
    assert after.version == before.version + 1
    assert after.organisations == ("gemeente", "woco")
    assert [item.event_id for item in after.evidence] == ["e0", "e1"]
    assert after.opened_at == T0
    assert after.updated_at > before.updated_at
    assert after.status is Status.OPEN


def test_an_update_with_a_later_opened_at_keeps_the_earliest(store: SqlEscalationStore) -> None:
    (escalation_id,) = store.apply([message("k1", [evidence("e1", "woco", T0)], opened_at=T0)]).opened

    store.apply([message("k1", [evidence("e2", "politie", T0 + timedelta(days=9))])])
    store.apply([message("k1", [evidence("e3", "gemeente", T0 + timedelta(days=5))])])

    view = store.get(escalation_id, EVERYTHING)
    assert view is not None
    assert view.opened_at == T0
    assert view.version == 3
    assert view.organisations == ("gemeente", "politie", "woco")
    # Evidence is the union of everything seen, ordered by event time.
    assert [item.event_id for item in view.evidence] == ["e1", "e3", "e2"]


def test_one_batch_can_open_update_and_repeat(
    store: SqlEscalationStore, sessions: sessionmaker[Session]
) -> None:
    opening = message("k1", [evidence("e1", "woco", T0)])
    growing = message("k1", [evidence("e1", "woco", T0), evidence("e2", "gemeente", T0)])
    other = message("k2", [evidence("e9", "politie", T0)], subject="hh:household0002")

    result = store.apply([opening, growing, other, growing])

    assert len(result.opened) == 2
    assert len(set(result.opened)) == 2
    assert result.updated == (result.opened[0],)
    assert result.unchanged == 1
    view = store.get(result.opened[0], EVERYTHING)
    assert view is not None
    assert (view.version, len(view.evidence)) == (2, 2)
    assert _evidence_rows(sessions) == 3


# list and get on a shared, read-only set of escalations ------------------------------------------------


@dataclass(frozen=True)
class Seeded:
    store: SqlEscalationStore
    ids: dict[str, int]


SEED = [
    # dedup key, rule, subject, buurt, severity, evidence orgs
    ("evict-1", "eviction-during-debt-assistance", "hh:household0001", CENTRUM, "high", ("woco", "gemeente")),
    ("permit-1", "initiative-permit-refused", "ini:initiative01", NOORD, "medium", ("gemeente",)),
    ("benefit-1", "benefit-stop-after-arrears", "hh:household0002", NOORD, "medium", ("woco", "gemeente")),
    ("nodecision-1", "initiative-no-decision", "ini:initiative02", CENTRUM, "medium", ("gemeente",)),
    ("stacked-1", "stacked-interventions", "hh:household0003", CENTRUM, "medium", ("politie", "gemeente")),
]


@pytest.fixture(scope="module")
def seeded(databases: DatabaseFactory) -> Iterator[Seeded]:
    """Five escalations on one database that the read-only tests below share.

    Applied in SEED order; afterwards `permit-1` is resolved and `evict-1` gets new evidence (so it is
    the most recently updated). Nothing below writes.
    """
    engine = create_db_engine(databases.new())
    sessions = create_session_factory(engine)
    store = SqlEscalationStore(sessions)
    ids: dict[str, int] = {}
    for number, (key, rule, subject, buurt, severity, orgs) in enumerate(SEED):
        items = [evidence(f"{key}-{org}", org, T0 + timedelta(days=number)) for org in orgs]
        (ids[key],) = store.apply(
            [message(key, items, rule=rule, subject=subject, buurt=buurt, severity=severity)]
        ).opened
    with sessions.begin() as session:
        session.execute(update(Escalation).where(Escalation.id == ids["permit-1"]).values(status="resolved"))
    store.apply(
        [
            message(
                "evict-1",
                [evidence("evict-1-politie", "politie", T0 + timedelta(days=20))],
                subject="hh:household0001",
            )
        ]
    )
    yield Seeded(store=store, ids=ids)
    engine.dispose()


def _keys(seeded: Seeded, ids: Sequence[int]) -> list[str]:
    names = {value: key for key, value in seeded.ids.items()}
    return [names[escalation_id] for escalation_id in ids]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (EscalationFilter(), {"evict-1", "permit-1", "benefit-1", "nodecision-1", "stacked-1"}),
        (EscalationFilter(status=(Status.OPEN,)), {"evict-1", "benefit-1", "nodecision-1", "stacked-1"}),
        (EscalationFilter(status=(Status.RESOLVED,)), {"permit-1"}),
        (EscalationFilter(status=(Status.RESOLVED, Status.OPEN)), {s[0] for s in SEED}),
        (EscalationFilter(status=(Status.DECIDED,)), set()),
        (EscalationFilter(buurt=NOORD), {"permit-1", "benefit-1"}),
        (EscalationFilter(rule="initiative-no-decision"), {"nodecision-1"}),
        (EscalationFilter(severity=Severity.HIGH), {"evict-1"}),
        (EscalationFilter(severity=Severity.LOW), set()),
        (EscalationFilter(subject="hh:household0002"), {"benefit-1"}),
        (EscalationFilter(org="politie"), {"evict-1", "stacked-1"}),
        (EscalationFilter(org="woco", buurt=CENTRUM), {"evict-1"}),
        (
            EscalationFilter(status=(Status.OPEN,), severity=Severity.MEDIUM, buurt=CENTRUM),
            {"nodecision-1", "stacked-1"},
        ),
    ],
    ids=[
        "none",
        "status-open",
        "status-resolved",
        "status-either",
        "status-none-match",
        "buurt",
        "rule",
        "severity",
        "severity-none-match",
        "subject",
        "org-from-later-evidence",
        "org-and-buurt",
        "combined",
    ],
)
def test_list_filters(seeded: Seeded, query: EscalationFilter, expected: set[str]) -> None:
    page = seeded.store.list(query, EVERYTHING)

    assert set(_keys(seeded, [item.id for item in page.items])) == expected
    assert page.total == len(expected)


def test_list_orders_by_most_recent_update(seeded: Seeded) -> None:
    page = seeded.store.list(EscalationFilter(), EVERYTHING)

    # evict-1 was opened first but updated last; the others in reverse order of opening.
    assert _keys(seeded, [item.id for item in page.items]) == [
        "evict-1",
        "stacked-1",
        "nodecision-1",
        "benefit-1",
        "permit-1",
    ]
    updated = [item.updated_at for item in page.items]
    assert updated == sorted(updated, reverse=True)


def test_list_pages_through_everything_once(seeded: Seeded) -> None:
    everything = [item.id for item in seeded.store.list(EscalationFilter(), EVERYTHING).items]

    pages = [
        seeded.store.list(EscalationFilter(limit=2, offset=offset), EVERYTHING) for offset in (0, 2, 4, 6)
    ]

    assert [len(page.items) for page in pages] == [2, 2, 1, 0]
    assert {page.total for page in pages} == {len(SEED)}
    assert [item.id for page in pages for item in page.items] == everything


def test_list_includes_evidence(seeded: Seeded) -> None:
    page = seeded.store.list(EscalationFilter(subject="hh:household0001"), EVERYTHING)

    (item,) = page.items
    # By event time, and by event id among events of the same time.
    assert [e.event_id for e in item.evidence] == ["evict-1-gemeente", "evict-1-woco", "evict-1-politie"]
    assert item.organisations == ("gemeente", "politie", "woco")
    assert item.version == 2


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        (EVERYTHING, {s[0] for s in SEED}),
        (Scope(org="woco"), {"evict-1", "benefit-1"}),
        (Scope(org="politie"), {"evict-1", "stacked-1"}),
        (Scope(org="nobody"), set()),
        (Scope(buurten=frozenset({CENTRUM}), initiatives_only=True), {"nodecision-1"}),
        (Scope(buurten=frozenset({CENTRUM, NOORD}), initiatives_only=True), {"nodecision-1", "permit-1"}),
        (Scope(buurten=frozenset({"BU0363ZZ99"}), initiatives_only=True), set()),
        (Scope(), set()),
    ],
    ids=[
        "everything",
        "org-woco",
        "org-politie-later-evidence",
        "org-unknown",
        "resident-one-buurt",
        "resident-two-buurten",
        "resident-other-buurt",
        "empty",
    ],
)
def test_scopes(seeded: Seeded, scope: Scope, expected: set[str]) -> None:
    page = seeded.store.list(EscalationFilter(limit=100), scope)

    assert set(_keys(seeded, [item.id for item in page.items])) == expected
    assert page.total == len(expected)
    for key, escalation_id in seeded.ids.items():
        view = seeded.store.get(escalation_id, scope)
        assert (view is not None) == (key in expected), key
        if view is not None:
            assert view.dedup_key == key


def test_filters_narrow_a_scope_but_never_widen_it(seeded: Seeded) -> None:
    resident = Scope(buurten=frozenset({CENTRUM}), initiatives_only=True)

    assert seeded.store.list(EscalationFilter(buurt=NOORD), resident).total == 0
    assert seeded.store.list(EscalationFilter(subject="hh:household0001"), resident).total == 0
    assert seeded.store.list(EscalationFilter(org="woco"), Scope(org="politie")).total == 1


def test_get_of_an_unknown_id_is_none(seeded: Seeded) -> None:
    assert seeded.store.get(max(seeded.ids.values()) + 1000, EVERYTHING) is None
