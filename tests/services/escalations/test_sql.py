"""SqlEscalationStore: each message is the whole truth for its dedup key; lists, filters and scopes."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from schemas.escalation import PolicyRef
from schemas.identifiers import Domain, source_for
from services.db.engine import create_db_engine, create_session_factory
from services.db.models import Escalation, EvidenceRow
from services.escalations.model import EscalationFilter, Scope, Severity, Status
from services.escalations.sql import SqlEscalationStore
from tests.support.databases import DatabaseFactory
from tests.support.escalations import CENTRUM, NOORD, T0, TYPES, day, evidence, message

pytestmark = pytest.mark.db

EVERYTHING = Scope(everything=True)


#: The tables this store writes, children first; emptied before every test.
TABLES = (EvidenceRow, Escalation)


@pytest.fixture
def store(sessions: sessionmaker[Session]) -> SqlEscalationStore:
    return SqlEscalationStore(sessions)


def _evidence_rows(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(EvidenceRow)) or 0


def _retracted(sessions: sessionmaker[Session]) -> set[str]:
    with sessions() as session:
        return set(session.scalars(select(EvidenceRow.event_id).where(EvidenceRow.retracted_at.is_not(None))))


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


def test_an_escalation_keeps_the_trace_that_opened_it_and_the_rules_of_the_result(
    store: SqlEscalationStore,
) -> None:
    opening = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    first = message("k1", [evidence("e1", "woco", T0)])
    result = store.apply([first, message("k2", [evidence("e3", "woco", T0)])], [opening, None])
    assert result.opened_rules == ("eviction-during-debt-assistance",) * 2
    one, two = (store.get(escalation_id, EVERYTHING) for escalation_id in result.opened)
    assert one is not None and two is not None
    assert (one.traceparent, two.traceparent) == (opening, None)

    later = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    more = message("k1", [evidence("e1", "woco", T0), evidence("e2", "gemeente", T0)])
    updated = store.apply([more], [later])
    assert updated.updated_rules == ("eviction-during-debt-assistance",)
    again = store.get(one.id, EVERYTHING)
    assert again is not None and again.traceparent == opening  # the opening trace, not the update's


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


def test_each_message_is_the_whole_truth(store: SqlEscalationStore, sessions: sessionmaker[Session]) -> None:
    (escalation_id,) = store.apply([message("k1", [evidence("e1", "woco", T0)], opened_at=T0)]).opened

    store.apply([message("k1", [evidence("e2", "politie", day(9))])])
    store.apply([message("k1", [evidence("e2", "politie", day(9)), evidence("e3", "gemeente", day(5))])])

    view = store.get(escalation_id, EVERYTHING)
    assert view is not None
    assert [item.event_id for item in view.evidence] == ["e3", "e2"], "e1 is retracted, by event time"
    assert view.opened_at == day(9), "the opening is the message's: the engine sees everything"
    assert view.organisations == ("gemeente", "politie")
    assert (view.version, view.status, view.withdrawn_at) == (3, Status.OPEN, None)
    assert _retracted(sessions) == {"e1"}


def test_a_retracted_event_named_again_is_current_again(
    store: SqlEscalationStore, sessions: sessionmaker[Session]
) -> None:
    both = message("k1", [evidence("e1", "woco", T0), evidence("e2", "gemeente", day(1))])
    (escalation_id,) = store.apply([both]).opened
    store.apply([message("k1", [evidence("e2", "gemeente", day(1))])])
    assert _retracted(sessions) == {"e1"}

    result = store.apply([both])

    assert result.updated == (escalation_id,)
    view = store.get(escalation_id, EVERYTHING)
    assert view is not None
    assert [item.event_id for item in view.evidence] == ["e1", "e2"]
    assert _retracted(sessions) == set()
    assert _evidence_rows(sessions) == 2, "no second row for e1"


def test_complete_since_keeps_older_evidence_and_the_older_opening(
    store: SqlEscalationStore, sessions: sessionmaker[Session]
) -> None:
    first = message(
        "k1", [evidence("e1", "woco", T0), evidence("e2", "gemeente", day(10))], opened_at=day(10)
    )
    (escalation_id,) = store.apply([first]).opened

    pruned = message("k1", [evidence("e3", "politie", day(20))], opened_at=day(20), complete_since=day(15))
    result = store.apply([pruned])

    assert result.updated == (escalation_id,)
    view = store.get(escalation_id, EVERYTHING)
    assert view is not None
    assert [item.event_id for item in view.evidence] == ["e1", "e2", "e3"], "older than complete_since"
    assert view.opened_at == day(10), "the older opening stands outside what the engine still sees"
    assert view.organisations == ("gemeente", "politie", "woco")
    assert _retracted(sessions) == set()


def test_complete_since_does_not_protect_newer_evidence(
    store: SqlEscalationStore, sessions: sessionmaker[Session]
) -> None:
    first = message("k1", [evidence("e1", "woco", T0), evidence("e2", "gemeente", day(10))])
    (escalation_id,) = store.apply([first]).opened

    store.apply([message("k1", [evidence("e3", "politie", day(20))], complete_since=day(10))])

    view = store.get(escalation_id, EVERYTHING)
    assert view is not None
    assert [item.event_id for item in view.evidence] == ["e1", "e3"]
    assert _retracted(sessions) == {"e2"}


def test_a_withdrawal_withdraws_an_open_escalation(store: SqlEscalationStore) -> None:
    (escalation_id,) = store.apply(
        [message("k1", [evidence("e1", "woco", T0), evidence("e2", "gemeente", T0)])]
    ).opened
    before = store.get(escalation_id, EVERYTHING)
    assert before is not None

    result = store.apply([message("k1", [])])

    assert (result.opened, result.updated, result.unchanged) == ((), (escalation_id,), 0)
    view = store.get(escalation_id, EVERYTHING)
    assert view is not None
    assert view.status is Status.WITHDRAWN
    assert view.withdrawn_at is not None and view.withdrawn_at >= before.updated_at
    assert view.evidence == ()
    assert view.organisations == before.organisations, "whom it was about stays visible"
    assert (view.opened_at, view.buurt, view.version) == (before.opened_at, before.buurt, before.version + 1)
    assert store.list(EscalationFilter(status=(Status.OPEN,)), EVERYTHING).total == 0
    assert store.list(EscalationFilter(status=(Status.WITHDRAWN,)), EVERYTHING).total == 1
    assert store.apply([message("k1", [])]).unchanged == 1, "a second withdrawal changes nothing"


def test_new_evidence_un_withdraws(store: SqlEscalationStore) -> None:
    (escalation_id,) = store.apply([message("k1", [evidence("e1", "woco", T0)])]).opened
    store.apply([message("k1", [])])

    result = store.apply([message("k1", [evidence("e5", "politie", day(40))])])

    assert result.updated == (escalation_id,)
    view = store.get(escalation_id, EVERYTHING)
    assert view is not None
    assert (view.status, view.withdrawn_at) == (Status.OPEN, None)
    assert [item.event_id for item in view.evidence] == ["e5"]
    assert view.opened_at == day(40)


@pytest.mark.parametrize("status", [Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.DECIDED, Status.RESOLVED])
def test_a_withdrawal_keeps_the_taskforces_status(
    store: SqlEscalationStore, sessions: sessionmaker[Session], status: Status
) -> None:
    (escalation_id,) = store.apply([message("k1", [evidence("e1", "woco", T0)])]).opened
    with sessions.begin() as session:
        session.execute(update(Escalation).where(Escalation.id == escalation_id).values(status=status.value))

    store.apply([message("k1", [])])
    withdrawn = store.get(escalation_id, EVERYTHING)
    store.apply([message("k1", [evidence("e2", "gemeente", day(1))])])
    again = store.get(escalation_id, EVERYTHING)

    assert withdrawn is not None and again is not None
    assert (withdrawn.status, withdrawn.withdrawn_at is not None) == (status, True)
    assert (again.status, again.withdrawn_at) == (status, None)


def test_a_withdrawal_of_an_unknown_key_creates_nothing(
    store: SqlEscalationStore, sessions: sessionmaker[Session]
) -> None:
    result = store.apply([message("never-opened", [])])

    assert (result.opened, result.updated, result.unchanged) == ((), (), 1)
    assert store.list(EscalationFilter(), EVERYTHING).total == 0
    assert _evidence_rows(sessions) == 0


def test_policies_are_stored_and_replaced_by_newer_ones(store: SqlEscalationStore) -> None:
    social = PolicyRef(domain=Domain.SOCIAL, reference="Wgs art. 4", text="Stabiliseren.")
    (escalation_id,) = store.apply([message("k1", [evidence("e1", "woco", T0)], policies=[social])]).opened
    opened = store.get(escalation_id, EVERYTHING)

    store.apply([message("k1", [evidence("e1", "woco", T0), evidence("e2", "gemeente", T0)])])
    updated = store.get(escalation_id, EVERYTHING)
    store.apply([message("k1", [evidence("e1", "woco", T0)], policies=[])])
    without = store.get(escalation_id, EVERYTHING)

    assert opened is not None and updated is not None and without is not None
    assert opened.policies == ({"domain": "social", "reference": "Wgs art. 4", "text": "Stabiliseren."},)
    assert updated.policies == (
        {"domain": "housing", "reference": "huurbeleid-4.2", "text": "Ontruiming na dagvaarding"},
    )
    # A message is the rule's whole truth: a rule without policies (any more) has none.
    assert without.policies == ()


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
                [
                    evidence("evict-1-woco", "woco", T0),
                    evidence("evict-1-gemeente", "gemeente", T0),
                    evidence("evict-1-politie", "politie", T0 + timedelta(days=20)),
                ],
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
