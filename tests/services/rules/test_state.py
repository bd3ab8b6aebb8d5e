"""SubjectState: facts in event-time order whatever the arrival order, replays refused, JSON round trip."""

from __future__ import annotations

import json
import random
from typing import Any

from services.rules.facts import Fact
from services.rules.state import SubjectState
from tests.support.rules import at


def summons(fact_id: str, days: float, org: str = "woco", buurt: str = "BU0363AD05", **data: str) -> Fact:
    return Fact(at(days), org, fact_id, "nl.wijkbrug.housing.eviction.summoned", buurt, data)


def state_of(facts: list[Fact]) -> SubjectState:
    state = SubjectState()
    for item in facts:
        state.insert(item)
    return state


def test_facts_are_kept_in_event_time_order() -> None:
    state = state_of([summons(f"e{day}", day) for day in (50, 10, 40, 20, 30)])

    assert [item.id for item in state.facts] == ["e10", "e20", "e30", "e40", "e50"]


def test_ties_in_time_go_by_organisation_then_id() -> None:
    state = state_of([summons("b", 1, "woco"), summons("z", 1, "alpha"), summons("a", 1, "woco")])

    assert [item.key for item in state.facts] == [("alpha", "z"), ("woco", "a"), ("woco", "b")]


def test_the_order_does_not_depend_on_the_arrival_order() -> None:
    facts = [summons(f"e{n}", n % 7, org=("woco", "stadgenoot")[n % 2]) for n in range(40)]
    expected = sorted(facts, key=lambda item: item.sort_key)
    for seed in range(5):
        arrival = list(facts)
        random.Random(seed).shuffle(arrival)

        assert state_of(arrival).facts == expected


def test_a_replay_is_refused_and_the_first_version_wins() -> None:
    state = SubjectState()
    original = summons("e1", 10, reason="eerste")

    assert state.insert(original) is True
    assert state.insert(summons("e1", 10, reason="eerste")) is False
    assert state.insert(summons("e1", 99, reason="andere inhoud")) is False

    assert state.facts == [original]


def test_the_same_id_of_another_organisation_is_another_event() -> None:
    state = SubjectState()

    assert state.insert(summons("e1", 10, "woco"))
    assert state.insert(summons("e1", 10, "stadgenoot"))
    assert len(state.facts) == 2


def test_latest_and_buurt_come_from_the_newest_fact() -> None:
    empty = SubjectState()
    state = state_of([summons("new", 20, buurt="BU0363NA01"), summons("old", 10, buurt="BU0363AD05")])

    assert (empty.latest, empty.buurt) == (0, "")
    assert (state.latest, state.buurt) == (at(20), "BU0363NA01")


def test_json_round_trip() -> None:
    state = state_of([summons("e2", 20, court_date="2026-04-01"), summons("e1", 10, org="stadgenoot")])
    state.emitted = {
        "rule-a|": (
            "0123456789abcdef",
            {"rule-a": "rule-a:hh:abcdefgh", "rule-a-copy": "rule-a-copy:hh:abcdefgh"},
        ),
        'rule-b|{"permit_id":"P-1"}': ("withdrawn", {"rule-b": "rule-b:hh:abcdefgh:P-1"}),
    }
    state.touched = at(30)
    state.complete_since = at(5)

    document = json.loads(json.dumps(state.to_json()))
    copy = SubjectState.from_json(document)

    assert [(f.t, f.org, f.id, f.type, f.buurt, dict(f.data)) for f in copy.facts] == [
        (f.t, f.org, f.id, f.type, f.buurt, dict(f.data)) for f in state.facts
    ]
    assert copy.emitted == state.emitted
    assert (copy.touched, copy.complete_since) == (at(30), at(5))
    assert copy.insert(summons("e1", 10, org="stadgenoot")) is False, "replays are still recognised"
    assert copy.insert(summons("e0", 0)) is True
    assert copy.facts[0].id == "e0"


def test_complete_since_is_left_out_until_the_state_was_pruned() -> None:
    document = state_of([summons("e1", 1)]).to_json()

    assert "c" not in document
    assert SubjectState.from_json(json.loads(json.dumps(document))).complete_since is None


def test_nothing_stored_is_an_empty_state() -> None:
    documents: list[dict[str, Any] | None] = [None, {}]
    for document in documents:
        state = SubjectState.from_json(document)
        assert (state.facts, state.emitted, state.touched, state.complete_since) == ([], {}, 0, None)
