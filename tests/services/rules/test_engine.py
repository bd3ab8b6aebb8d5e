"""The rule engine: facts and a clock in, what changed since it last published out, in any arrival order."""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from schemas.catalogue import CATALOGUE
from services.rules.engine import Outcome, RuleEngine
from services.rules.facts import Fact, SubjectEvent, micros, to_micros
from services.rules.kinds.match import Evaluator, Match
from services.rules.loader import load_rules
from services.rules.model import RuleSpec
from services.rules.publication import ClashUpdate
from services.rules.replay import Replay, clash_document
from services.rules.state import SubjectState
from tests.support.rules import DAY, T0, at, cloudevent, fact, moment

EVICTION_RULE = "eviction-during-debt-assistance"
HH = "hh:household-0001"
INI = "ini:speeltuin-0001"
LOC = "loc:plein-hoek-0001"
EMITTED_AT = datetime(2027, 1, 1, 12, tzinfo=UTC)

DEBT = "social.debt_assistance.started"
DEBT_END = "social.debt_assistance.ended"
SUMMONS = "housing.eviction.summoned"
SCHEDULED = "housing.eviction.scheduled"
CANCELLED = "housing.eviction.cancelled"
STOP = "social.benefit.stopped"
ARREARS = "housing.arrears.signalled"
REQUESTED = "municipality.permit.requested"
DECIDED = "municipality.permit.decided"

PACK = load_rules()


def pack(*ids: str) -> list[RuleSpec]:
    return [item for item in PACK if item.id in ids]


@pytest.fixture(scope="module")
def engine() -> RuleEngine:
    return RuleEngine(PACK)


def apply(
    engine: RuleEngine, state: SubjectState, item: Fact, subject: str = HH, clock: int | None = None
) -> Outcome:
    """Apply one fact; the clock is the fact's time unless the state has seen a later one (as in a replay)."""
    now = clock if clock is not None else max(item.t, state.touched)
    return engine.apply(state, SubjectEvent(subject, item), clock=now, emitted_at=EMITTED_AT)


def feed(
    engine: RuleEngine, state: SubjectState, facts: Iterable[Fact], subject: str = HH
) -> list[ClashUpdate]:
    messages: list[ClashUpdate] = []
    for item in facts:
        messages += apply(engine, state, item, subject).messages
    return messages


def of_rule(messages: Sequence[ClashUpdate], rule_id: str) -> list[ClashUpdate]:
    return [message for message in messages if message.rule == rule_id]


def evidence_ids(message: ClashUpdate) -> list[str]:
    return [item.id for item in message.evidence]


def permit(fact_id: str, type_suffix: str, days: float, permit_id: str, **data: Any) -> Fact:
    return fact(fact_id, type_suffix, days, permit_id=permit_id, initiative_id="BI-1", **data)


# ---------------------------------------------------------------------------------------------------
# messages


@pytest.mark.parametrize("arrival", ["in time order", "reversed"])
def test_a_clash_is_published_with_everything_the_taskforce_needs(engine: RuleEngine, arrival: str) -> None:
    facts = [fact("d", DEBT, 1), fact("s", SUMMONS, 5, buurt="BU0363NA01")]
    if arrival == "reversed":
        facts.reverse()

    (message,) = of_rule(feed(engine, SubjectState(), facts), EVICTION_RULE)

    (spec,) = pack(EVICTION_RULE)
    assert message.dedup_key == f"{EVICTION_RULE}:{HH}"
    assert (message.rule, message.title, message.severity, message.subject) == (
        EVICTION_RULE,
        spec.title,
        "high",
        HH,
    )
    assert message.buurt == "BU0363NA01", "the buurt of the latest evidence"
    assert message.opened_at == moment(5), "the clash began when the later state started"
    assert message.organisations == ["gemeente-sd", "woco"]
    assert [(e.id, e.org, e.source, e.type, e.time, e.label_nl) for e in message.evidence] == [
        (
            "d",
            "gemeente-sd",
            "urn:nl:wijkbrug:org:gemeente-sd",
            f"nl.wijkbrug.{DEBT}",
            moment(1),
            CATALOGUE[f"nl.wijkbrug.{DEBT}"].label_nl,
        ),
        (
            "s",
            "woco",
            "urn:nl:wijkbrug:org:woco",
            f"nl.wijkbrug.{SUMMONS}",
            moment(5),
            CATALOGUE[f"nl.wijkbrug.{SUMMONS}"].label_nl,
        ),
    ]
    assert [(p.domain, p.reference) for p in message.policies] == [
        (p.domain, p.reference) for p in spec.policies
    ]
    assert message.emitted_at == EMITTED_AT
    assert (message.withdrawn, message.complete_since) == (False, None)


def test_new_evidence_publishes_the_whole_clash_again(engine: RuleEngine) -> None:
    state = SubjectState()
    feed(engine, state, [fact("d", DEBT, 1), fact("s", SUMMONS, 5)])

    (message,) = of_rule(feed(engine, state, [fact("x", SCHEDULED, 9)]), EVICTION_RULE)

    assert evidence_ids(message) == ["d", "s", "x"]
    assert message.opened_at == moment(5)


def test_no_message_when_nothing_changed(engine: RuleEngine) -> None:
    state = SubjectState()
    summons = fact("s", SUMMONS, 5)
    feed(engine, state, [fact("d", DEBT, 1), summons])
    document = state.to_json()

    replayed = apply(engine, state, fact("s", SUMMONS, 5))
    other_content = apply(engine, state, fact("s", SUMMONS, 7, court_date="2026-04-01"))
    an_end = apply(engine, state, fact("e", DEBT_END, 20))

    assert (replayed.changed, replayed.messages) == (False, [])
    assert (other_content.changed, other_content.messages) == (False, [])
    assert state.to_json()["f"] != document["f"], "the end is kept"
    assert an_end.changed and of_rule(an_end.messages, EVICTION_RULE) == [], "the end changes no evidence"


@pytest.mark.parametrize("type_suffix", ["housing.repair.requested", "residents.initiative.submitted"])
def test_an_event_type_no_rule_looks_at_changes_nothing(engine: RuleEngine, type_suffix: str) -> None:
    state = SubjectState()

    outcome = apply(engine, state, fact("x", type_suffix, 1))

    assert not engine.interested(f"nl.wijkbrug.{type_suffix}")
    assert outcome == Outcome()
    assert state.facts == []


def test_the_engine_says_which_types_and_fields_it_needs(engine: RuleEngine) -> None:
    assert engine.interested(f"nl.wijkbrug.{SUMMONS}")
    assert {"kind", "state", "outcome", "initiative_id", "permit_id"} <= engine.data_fields
    assert "amount_eur" not in engine.data_fields


def test_a_subject_of_another_kind_is_not_evaluated_by_the_rule(engine: RuleEngine) -> None:
    messages = feed(
        engine, SubjectState(), [fact("d", DEBT, 1), fact("s", SUMMONS, 5)], subject="loc:location-0001"
    )

    assert of_rule(messages, EVICTION_RULE) == []


# ---------------------------------------------------------------------------------------------------
# withdrawals


def test_a_late_event_that_undoes_the_clash_withdraws_it(engine: RuleEngine) -> None:
    state = SubjectState()
    (opened,) = of_rule(feed(engine, state, [fact("s", SUMMONS, 10), fact("d", DEBT, 20)]), EVICTION_RULE)

    (withdrawal,) = of_rule(feed(engine, state, [fact("c", CANCELLED, 15)]), EVICTION_RULE)

    assert withdrawal.withdrawn is True
    assert withdrawal.dedup_key == opened.dedup_key
    assert (withdrawal.evidence, withdrawal.organisations) == ([], [])
    assert (withdrawal.rule, withdrawal.severity, withdrawal.policies) == (
        opened.rule,
        "high",
        opened.policies,
    )
    assert withdrawal.complete_since is None
    # What was published is kept per match of the pattern: the match is marked withdrawn, its key kept.
    assert state.emitted[f"{EVICTION_RULE}|"] == ("withdrawn", {EVICTION_RULE: opened.dedup_key})


def test_a_withdrawal_is_published_once_and_a_new_clash_publishes_again(engine: RuleEngine) -> None:
    state = SubjectState()
    feed(engine, state, [fact("s", SUMMONS, 10), fact("d", DEBT, 20), fact("c", CANCELLED, 15)])

    quiet = of_rule(feed(engine, state, [fact("x", "housing.eviction.executed", 16)]), EVICTION_RULE)
    (again,) = of_rule(feed(engine, state, [fact("s2", SUMMONS, 30)]), EVICTION_RULE)

    assert quiet == []
    assert (again.withdrawn, evidence_ids(again), again.opened_at) == (False, ["d", "s2"], moment(30))


# ---------------------------------------------------------------------------------------------------
# dedup keys with data fields


def test_a_dedup_key_per_permit(engine: RuleEngine) -> None:
    state = SubjectState()
    facts = [
        permit("p1", DECIDED, 3, "OLO-1", outcome="refused"),
        permit("p2", DECIDED, 4, "OLO-2", outcome="refused"),
        permit("p3", DECIDED, 5, "OLO-3", outcome="granted"),
        permit("p4", DECIDED, 6, "OLO-1", outcome="refused"),
    ]

    messages = of_rule(feed(engine, state, facts, subject=INI), "initiative-permit-refused")

    latest = {message.dedup_key: evidence_ids(message) for message in messages}
    assert latest == {
        f"initiative-permit-refused:{INI}:OLO-1": ["p1", "p4"],
        f"initiative-permit-refused:{INI}:OLO-2": ["p2"],
    }


def test_an_absence_per_permit_concluded_by_the_clock(engine: RuleEngine) -> None:
    state = SubjectState()
    apply(engine, state, permit("r1", REQUESTED, 0, "OLO-1", permit_type="evenement"), INI)
    outcome = apply(engine, state, permit("r2", REQUESTED, 10, "OLO-2", permit_type="evenement"), INI)
    assert outcome.wakeup == at(56)

    early = engine.advance(state, INI, clock=at(56, -1), emitted_at=EMITTED_AT)
    due = engine.advance(state, INI, clock=at(56), emitted_at=EMITTED_AT)

    assert (early.messages, early.wakeup) == ([], at(56))
    (message,) = due.messages
    assert message.dedup_key == f"initiative-no-decision:{INI}:OLO-1"
    assert (message.opened_at, evidence_ids(message)) == (moment(56), ["r1"])
    assert due.wakeup == at(66)


def test_a_deadline_due_at_the_clock_of_another_rules_event_is_concluded(engine: RuleEngine) -> None:
    """Wake-ups name moments after the clock: an event of another rule at the deadline must not skip it."""
    state = SubjectState()
    reports = [
        fact("m", "municipality.report.created", 0, external_id="SIG-1", state="m", category="afval"),
        fact("w", "housing.nuisance.reported", 9, category="GEL"),
        fact("p", "safety.incident.registered", 19, category="overlast"),
    ]
    assert feed(engine, state, reports, subject=LOC) == []

    outcome = apply(engine, state, permit("d", DECIDED, 33, "OLO-2", outcome="refused"), LOC)

    # The event's own rule answers at once; the deadline that is due at this very clock asks for the
    # clock now (a wake-up at, not after, the clock), and the wake-up concludes it.
    assert [message.rule for message in outcome.messages] == ["initiative-permit-refused"]
    assert outcome.wakeup == to_micros(moment(33))
    woken = engine.advance(state, LOC, clock=to_micros(moment(33)), emitted_at=EMITTED_AT)
    (absence,) = of_rule(woken.messages, "report-without-followup")
    assert (absence.opened_at, evidence_ids(absence)) == (moment(33), ["m", "w", "p"])


# ---------------------------------------------------------------------------------------------------
# rules that share a pattern


class CountingEvaluator:
    """A pattern's evaluator that counts the evaluations the engine asks of it, whichever way it asks."""

    def __init__(self, inner: Evaluator) -> None:
        self.inner = inner
        self.types, self.fields, self.clocked = inner.types, inner.fields, inner.clocked
        self.evaluations = 0

    def matches(self, facts: Sequence[Fact], clock: int) -> list[Match]:
        self.evaluations += 1
        return self.inner.matches(facts, clock)

    def evaluate(self, facts: Sequence[Fact], clock: int) -> tuple[list[Match], int | None]:
        self.evaluations += 1
        return self.inner.evaluate(facts, clock)

    def wakeup(self, facts: Sequence[Fact], clock: int) -> int | None:
        return self.inner.wakeup(facts, clock)

    def keep(self, facts: Sequence[Fact], cutoff: int) -> set[tuple[str, str]]:
        return self.inner.keep(facts, cutoff)


def test_a_rule_copied_under_another_id_is_evaluated_once_and_published_under_both() -> None:
    (original,) = pack(EVICTION_RULE)
    copied = original.model_copy(update={"id": "eviction-copy-rule", "title": "Kopie"})
    engine = RuleEngine([original, copied])
    assert len(engine.groups) == 1
    (group,) = engine.groups
    counting = CountingEvaluator(group.evaluator)
    group.evaluator = counting
    state = SubjectState()

    opened = feed(engine, state, [fact("d", DEBT, 1), fact("s", SUMMONS, 5)])
    withdrawn = feed(engine, state, [fact("e", DEBT_END, 2)])

    assert counting.evaluations == 3, "one evaluation per event for both rules"
    assert sorted((m.rule, m.dedup_key, m.title) for m in opened) == sorted(
        [
            (EVICTION_RULE, f"{EVICTION_RULE}:{HH}", original.title),
            ("eviction-copy-rule", f"eviction-copy-rule:{HH}", "Kopie"),
        ]
    )
    assert sorted((m.rule, m.withdrawn) for m in withdrawn) == [
        ("eviction-copy-rule", True),
        (EVICTION_RULE, True),
    ]


def test_rules_with_other_patterns_are_evaluated_apart() -> None:
    engine = RuleEngine(PACK)

    assert len(engine.groups) == len(PACK)
    assert len({item.signature() for item in PACK}) == len(PACK)


# ---------------------------------------------------------------------------------------------------
# lateness, pruning, idle expiry


def test_the_allowed_lateness_is_at_least_the_longest_window() -> None:
    assert RuleEngine(PACK, allowed_lateness=timedelta(days=1)).allowed_lateness == micros(
        timedelta(days=180)
    )
    assert RuleEngine(PACK, allowed_lateness=timedelta(days=365)).allowed_lateness == micros(
        timedelta(days=365)
    )
    assert RuleEngine(pack(EVICTION_RULE), allowed_lateness=timedelta(days=1)).allowed_lateness == DAY


def test_an_event_older_than_the_allowed_lateness_is_too_late() -> None:
    engine = RuleEngine(pack("benefit-stop-after-arrears"), allowed_lateness=timedelta(days=90))
    state = SubjectState()
    apply(engine, state, fact("b", ARREARS, 200))

    too_late = apply(engine, state, fact("a1", STOP, 110, plus=-1))
    in_time = apply(engine, state, fact("a2", STOP, 110))

    assert (too_late.too_late, too_late.changed, too_late.messages) == (True, False, [])
    assert [item.id for item in state.facts] == ["a2", "b"]
    assert (in_time.too_late, len(in_time.messages)) == (False, 1)


def test_pruning_keeps_the_start_of_an_open_state_and_says_from_when_evidence_is_complete() -> None:
    engine = RuleEngine(pack(EVICTION_RULE), allowed_lateness=timedelta(days=10))
    assert engine.retention == micros(timedelta(days=10))
    state = SubjectState()
    feed(engine, state, [fact("d", DEBT, 0), fact("s1", SUMMONS, 5), fact("c1", CANCELLED, 6)])

    (before,) = feed(engine, state, [fact("s2", SUMMONS, 50)])
    (after,) = feed(engine, state, [fact("x", SCHEDULED, 55)])

    assert (evidence_ids(before), before.complete_since) == (["d", "s1", "s2"], None)
    assert [item.id for item in state.facts] == ["d", "s2", "x"]
    assert state.complete_since == at(45)
    assert (evidence_ids(after), after.complete_since) == (["d", "s2", "x"], moment(40))
    assert after.opened_at == moment(50), "the older opening stands in the database (complete_since)"


def test_pruning_keeps_the_partner_of_evidence_after_the_cutoff() -> None:
    engine = RuleEngine(pack("benefit-stop-after-arrears"), allowed_lateness=timedelta(days=90))
    state = SubjectState()
    feed(engine, state, [fact("a", STOP, 0), fact("b", ARREARS, 50)])

    later = feed(engine, state, [fact("b2", ARREARS, 200), fact("b3", ARREARS, 205)])

    assert state.complete_since == at(25)
    assert [item.id for item in state.facts] == ["a", "b", "b2", "b3"]
    assert later == [], "the pair a-b still stands: no withdrawal, no change"


def test_a_quiet_subject_expires_when_nothing_is_pending() -> None:
    engine = RuleEngine(pack("benefit-stop-after-arrears"), idle_ttl=timedelta(days=30))
    state = SubjectState()
    outcome = apply(engine, state, fact("a", STOP, 0))
    assert outcome.wakeup == at(30)

    early = engine.advance(state, HH, clock=at(30, -1), emitted_at=EMITTED_AT)
    idle = engine.advance(state, HH, clock=at(30), emitted_at=EMITTED_AT)

    assert (early.expired, early.changed, early.wakeup) == (False, False, at(30))
    assert (idle.expired, idle.changed) == (True, True)


def test_an_open_state_holds_a_quiet_subject_without_waking_it_again_and_again() -> None:
    engine = RuleEngine(pack(EVICTION_RULE), idle_ttl=timedelta(days=30))
    state = SubjectState()
    apply(engine, state, fact("d", DEBT, 0))

    held = engine.advance(state, HH, clock=at(30), emitted_at=EMITTED_AT)
    ended = apply(engine, state, fact("e", DEBT_END, 40))
    expired = engine.advance(state, HH, clock=at(70), emitted_at=EMITTED_AT)

    assert (held.expired, held.wakeup) == (False, None)
    assert engine.wakeup(state, at(71)) is not None
    assert ended.wakeup == at(70)
    assert expired.expired


def test_a_concluded_absence_no_longer_holds_the_subject() -> None:
    engine = RuleEngine(pack("initiative-no-decision"), idle_ttl=timedelta(days=30))
    state = SubjectState()
    apply(engine, state, permit("r", REQUESTED, 0, "OLO-1", permit_type="evenement"), INI)

    pending = engine.advance(state, INI, clock=at(40), emitted_at=EMITTED_AT)
    concluded = engine.advance(state, INI, clock=at(56), emitted_at=EMITTED_AT)

    assert (pending.expired, pending.wakeup) == (False, at(56)), "idle, but a deadline is pending"
    assert [message.opened_at for message in concluded.messages] == [moment(56)]
    assert concluded.expired


def test_a_state_restored_from_json_continues_where_it_was(engine: RuleEngine) -> None:
    state = SubjectState()
    feed(engine, state, [fact("s", SUMMONS, 10), fact("d", DEBT, 20)])
    restored = SubjectState.from_json(json.loads(json.dumps(state.to_json())))

    replayed = apply(engine, restored, fact("d", DEBT, 20))
    (withdrawal,) = of_rule(feed(engine, restored, [fact("c", CANCELLED, 15)]), EVICTION_RULE)

    assert replayed.changed is False
    assert withdrawal.withdrawn


# ---------------------------------------------------------------------------------------------------
# the outcome does not depend on the arrival order


#: Twenty subjects, so that each has a few events only: a deadline is then often the last word on a subject.
SUBJECTS = {
    f"{kind}:subject-{number:04d}": kind for number, kind in enumerate(["hh"] * 8 + ["loc"] * 7 + ["ini"] * 5)
}
TYPES_FOR = {
    "hh": [
        DEBT,
        DEBT_END,
        SUMMONS,
        SCHEDULED,
        CANCELLED,
        "housing.eviction.executed",
        STOP,
        ARREARS,
        "social.benefit.reclaimed",
        "social.care.started",
        "social.care.ended",
        "safety.house_closure.ordered",
        "safety.enforcement.action",
        "municipality.enforcement.action",
    ],
    "loc": [
        "municipality.report.created",
        "housing.nuisance.reported",
        "safety.incident.registered",
        "municipality.report.status_changed",
        "safety.enforcement.action",
        "municipality.enforcement.action",
        REQUESTED,
        DECIDED,
    ],
    "ini": [REQUESTED, DECIDED],
}


def random_data(rng: random.Random, type_suffix: str) -> dict[str, Any]:
    """Data that makes the pack's conditions hold or not, at random."""
    data: dict[str, Any] = {}
    if type_suffix in ("social.care.started", "social.care.ended"):
        data["kind"] = rng.choice(["jeugd", "wmo"])
    elif type_suffix == "municipality.report.status_changed":
        data.update(external_id="SIG-1", state=rng.choice(["b", "ingepland", "o", "h", "m"]))
    elif type_suffix in (REQUESTED, DECIDED):
        data["permit_id"] = rng.choice(["OLO-1", "OLO-2", "OLO-3"])
        if rng.random() < 0.7:
            data["initiative_id"] = "BI-1"
        if type_suffix == DECIDED:
            data["outcome"] = rng.choice(["granted", "refused"])
    return data


#: The pack's windows in days: an event this long after another one lies exactly on a window's edge.
WINDOWS = (14, 30, 44, 56, 90, 180)


def random_events(rng: random.Random, count: int) -> list[dict[str, Any]]:
    """Events at random moments of a year; many on the subject of an earlier one, exactly a window later."""
    events: list[dict[str, Any]] = []
    earlier: list[tuple[str, float]] = []
    for number in range(count):
        subject, days = rng.choice(list(SUBJECTS)), rng.randrange(365) + rng.choice([0, 0, 0.25, 0.5])
        if earlier and rng.random() < 0.5:
            base_subject, base = rng.choice(earlier)
            window = rng.choice(WINDOWS)
            if base + window < 365:
                subject, days = base_subject, base + window
        earlier.append((subject, days))
        type_suffix = rng.choice(TYPES_FOR[SUBJECTS[subject]])
        events.append(
            cloudevent(f"e{number}", type_suffix, days, subject, data=random_data(rng, type_suffix))
        )
    return events


def final_clashes(
    engine: RuleEngine, events: Sequence[dict[str, Any]], until: datetime | None
) -> list[dict[str, Any]]:
    replay = Replay(engine)
    for event in events:
        replay.feed(event)
    assert replay.stats.too_late == 0
    return [clash_document(clash) for clash in replay.finish(until)]


def test_the_outcome_does_not_depend_on_the_arrival_order() -> None:
    # A lateness above the year the events span: no event is too late, no fact is pruned.
    engine = RuleEngine(PACK, allowed_lateness=timedelta(days=400))
    seen_rules: set[str] = set()
    for seed in range(100):
        rng = random.Random(seed)
        events = random_events(rng, 40)
        first, second = list(events), list(events)
        rng.shuffle(first)
        rng.shuffle(second)
        for until in (None, T0 + timedelta(days=420)):
            expected = final_clashes(engine, first, until)

            assert final_clashes(engine, second, until) == expected, f"seed {seed}, until {until}"
            assert final_clashes(engine, sorted(events, key=lambda e: str(e["time"])), until) == expected, (
                seed
            )
            seen_rules |= {clash["rule"] for clash in expected}

    assert seen_rules == {item.id for item in PACK}, "the random streams make every rule of the pack clash"
