"""SubjectState: facts in event-time order, replays recognised, JSON for faust's changelog."""

from __future__ import annotations

import json
import random
from typing import Any

from services.rules.facts import Fact
from services.rules.state import SubjectState


def fact(t: int, event_id: str, org: str = "woonstad", **data: object) -> Fact:
    return Fact(
        t=t, org=org, id=event_id, type="nl.wijkbrug.housing.eviction.summoned", buurt="BU0363AD05", data=data
    )


def test_facts_are_kept_in_event_time_order_whatever_the_arrival_order() -> None:
    facts = [fact(t, f"e{t}") for t in (50, 10, 40, 20, 30)]
    state = SubjectState()

    for item in facts:
        assert state.insert(item)

    assert [item.t for item in state.facts] == [10, 20, 30, 40, 50]


def test_ties_in_time_are_ordered_by_organisation_and_id() -> None:
    state = SubjectState()
    for item in (fact(10, "b", "woonstad"), fact(10, "z", "alpha"), fact(10, "a", "woonstad")):
        state.insert(item)

    assert [item.key for item in state.facts] == [("alpha", "z"), ("woonstad", "a"), ("woonstad", "b")]


def test_the_order_is_independent_of_arrival_for_random_shuffles() -> None:
    facts = [fact(t % 7, f"e{t}", org=("a", "b")[t % 2]) for t in range(30)]
    expected = sorted(facts, key=lambda item: item.sort_key)
    for seed in range(5):
        shuffled = list(facts)
        random.Random(seed).shuffle(shuffled)
        state = SubjectState()
        for item in shuffled:
            state.insert(item)
        assert state.facts == expected


def test_a_replay_is_refused_and_the_first_version_wins() -> None:
    state = SubjectState()
    original = fact(10, "e1", reason="eerste")

    assert state.insert(original)
    assert not state.insert(original)
    assert not state.insert(fact(99, "e1", reason="andere inhoud"))

    assert state.facts == [original]


def test_the_same_id_of_another_organisation_is_another_event() -> None:
    state = SubjectState()

    assert state.insert(fact(10, "e1", org="woonstad"))
    assert state.insert(fact(10, "e1", org="rochdale"))

    assert len(state.facts) == 2


def test_json_round_trip_keeps_facts_and_emitted() -> None:
    state = SubjectState()
    for item in (fact(20, "e2", category="GEL"), fact(10, "e1"), fact(30, "e3", org="sociaal", n=3)):
        state.insert(item)
    state.emitted["rule-a:hh:abcdefgh01"] = {("woonstad", "e1"), ("woonstad", "e2")}
    state.emitted["rule-b:hh:abcdefgh01"] = {("sociaal", "e3")}

    document: dict[str, Any] = json.loads(json.dumps(state.to_json()))
    restored = SubjectState.from_json(document)

    assert restored.facts == state.facts
    assert restored.emitted == state.emitted
    assert restored.facts[1].data == {"category": "GEL"}
    assert not restored.insert(fact(10, "e1")), "a restored state still recognises replays"
    assert restored.insert(fact(15, "e4"))
    assert [item.id for item in restored.facts] == ["e1", "e4", "e2", "e3"]


def test_to_json_is_deterministic() -> None:
    first, second = SubjectState(), SubjectState()
    ids = [("woonstad", f"e{index}") for index in range(10)]
    first.emitted["k"] = set(ids)
    second.emitted["k"] = set(reversed(ids))

    assert json.dumps(first.to_json()) == json.dumps(second.to_json())


def test_an_empty_or_missing_document_is_an_empty_state() -> None:
    documents: list[dict[str, Any] | None] = [None, {}, {"facts": []}]
    for document in documents:
        state = SubjectState.from_json(document)
        assert state.facts == []
        assert state.emitted == {}
