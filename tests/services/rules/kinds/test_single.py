"""A single event that is a clash by itself: one match per value of the key fields."""

from __future__ import annotations

from typing import Any

import pytest

from services.rules.facts import Fact
from services.rules.kinds.match import Match, merged
from services.rules.kinds.single import SingleEvaluator
from services.rules.matchers import ConditionCache
from services.rules.model import SinglePattern
from tests.support.rules import Summary, at, fact, ordered, summary

DECIDED = "municipality.permit.decided"
CLOSURE = "safety.house_closure.ordered"

REFUSED: dict[str, Any] = {
    "kind": "single",
    "events": [{"type": DECIDED, "where": 'outcome == "refused" && has(initiative_id)'}],
    "key": ["permit_id"],
}
CLOSURES: dict[str, Any] = {"kind": "single", "events": [CLOSURE]}


def decided(
    fact_id: str, days: float, permit: str | None, outcome: str = "refused", initiative: bool = True
) -> Fact:
    data: dict[str, Any] = {"outcome": outcome}
    if permit is not None:
        data["permit_id"] = permit
    if initiative:
        data["initiative_id"] = "BI-7"
    return fact(fact_id, DECIDED, days, **data)


def evaluator(pattern: dict[str, Any]) -> SingleEvaluator:
    return SingleEvaluator(SinglePattern.model_validate(pattern), ConditionCache())


CASES: list[tuple[str, dict[str, Any], list[Fact], Summary]] = [
    (
        "a refused permit of an initiative",
        REFUSED,
        [decided("d", 3, "P1")],
        [(at(3), ["d"], {"permit_id": "P1"})],
    ),
    ("granted", REFUSED, [decided("d", 3, "P1", outcome="granted")], []),
    ("not an initiative's permit", REFUSED, [decided("d", 3, "P1", initiative=False)], []),
    (
        "two permits, two matches",
        REFUSED,
        [decided("d1", 3, "P1"), decided("d2", 5, "P2")],
        [(at(3), ["d1"], {"permit_id": "P1"}), (at(5), ["d2"], {"permit_id": "P2"})],
    ),
    (
        "one permit refused twice: one match, opened at the first",
        REFUSED,
        [decided("d1", 3, "P1"), decided("d2", 5, "P1")],
        [(at(3), ["d1", "d2"], {"permit_id": "P1"})],
    ),
    (
        "a missing key field is an empty value",
        REFUSED,
        [decided("d", 3, None)],
        [(at(3), ["d"], {"permit_id": ""})],
    ),
    (
        "without key fields every event is evidence of one match",
        CLOSURES,
        [fact("c1", CLOSURE, 1), fact("c2", CLOSURE, 9)],
        [(at(1), ["c1", "c2"], {})],
    ),
]


@pytest.mark.parametrize(
    ("pattern", "facts", "expected"), [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_matches(pattern: dict[str, Any], facts: list[Fact], expected: Summary) -> None:
    single = evaluator(pattern)

    assert summary(single.matches(ordered(facts), clock=at(0))) == expected
    assert single.wakeup(ordered(facts), clock=at(0)) is None
    assert single.keep(ordered(facts), cutoff=at(100)) == set()


def test_key_fields_are_fields_it_reads() -> None:
    assert evaluator(REFUSED).fields == frozenset({"outcome", "initiative_id", "permit_id"})
    assert evaluator(CLOSURES).fields == frozenset()


def test_merged_keeps_the_earliest_opening_and_the_union_of_the_evidence() -> None:
    a, b, c = fact("a", CLOSURE, 1), fact("b", CLOSURE, 2), fact("c", CLOSURE, 3)
    matches = [
        Match(opened_at=at(2), evidence=(b, c), key_data={"k": 1}),
        Match(opened_at=at(1), evidence=(a, b), key_data={"k": 1}),
        Match(opened_at=at(3), evidence=(c,), key_data={"k": 2}),
    ]

    assert summary(merged(matches)) == [(at(1), ["a", "b", "c"], {"k": 1}), (at(3), ["c"], {"k": 2})]
