"""A pair within a window: either order, the window's edges inside, opened when the first pair completed."""

from __future__ import annotations

from typing import Any

import pytest

from services.rules.facts import Fact
from services.rules.kinds.pair import PairEvaluator
from services.rules.matchers import ConditionCache
from services.rules.model import PairPattern
from tests.support.rules import Summary, at, fact, ordered, summary

STOP = "social.benefit.stopped"
ARREARS = "housing.arrears.signalled"
RECLAIM = "social.benefit.reclaimed"

BENEFIT: dict[str, Any] = {"kind": "pair", "a": [STOP], "b": [ARREARS], "within": "90d"}
#: A reclaim of at least 1000 euro, or a stop, paired with arrears of at least two months.
CONDITIONAL: dict[str, Any] = {
    "kind": "pair",
    "a": [STOP, {"type": RECLAIM, "where": "amount_eur >= 1000"}],
    "b": [{"type": ARREARS, "where": "months_in_arrears >= 2"}],
    "within": "36h",
}


def evaluator(pattern: dict[str, Any]) -> PairEvaluator:
    return PairEvaluator(PairPattern.model_validate(pattern), ConditionCache())


CASES: list[tuple[str, dict[str, Any], list[Fact], Summary]] = [
    ("a, then b", BENEFIT, [fact("a", STOP, 0), fact("b", ARREARS, 30)], [(at(30), ["a", "b"], {})]),
    ("b, then a", BENEFIT, [fact("b", ARREARS, 0), fact("a", STOP, 30)], [(at(30), ["b", "a"], {})]),
    ("at the same moment", BENEFIT, [fact("b", ARREARS, 7), fact("a", STOP, 7)], [(at(7), ["a", "b"], {})]),
    (
        "exactly at the window's edge",
        BENEFIT,
        [fact("a", STOP, 0), fact("b", ARREARS, 90)],
        [(at(90), ["a", "b"], {})],
    ),
    ("one microsecond outside the window", BENEFIT, [fact("a", STOP, 0), fact("b", ARREARS, 90, plus=1)], []),
    ("b before a, outside the window", BENEFIT, [fact("b", ARREARS, 0), fact("a", STOP, 91)], []),
    ("only a events", BENEFIT, [fact("a1", STOP, 0), fact("a2", STOP, 1)], []),
    ("only b events", BENEFIT, [fact("b1", ARREARS, 0), fact("b2", ARREARS, 1)], []),
    (
        "every a and b with a partner is evidence",
        BENEFIT,
        [fact("a1", STOP, 0), fact("a2", STOP, 10), fact("b", ARREARS, 50)],
        [(at(50), ["a1", "a2", "b"], {})],
    ),
    (
        "an event without a partner in its window is no evidence",
        BENEFIT,
        [fact("a1", STOP, 0), fact("b", ARREARS, 50), fact("a2", STOP, 200)],
        [(at(50), ["a1", "b"], {})],
    ),
    (
        "opened when the first pair completed",
        BENEFIT,
        [fact("a", STOP, 0), fact("b1", ARREARS, 50), fact("b2", ARREARS, 60)],
        [(at(50), ["a", "b1", "b2"], {})],
    ),
    (
        "a partner only later in the window completes the pair at the later event",
        BENEFIT,
        [fact("b1", ARREARS, 0), fact("a", STOP, 100), fact("b2", ARREARS, 150)],
        [(at(150), ["a", "b2"], {})],
    ),
    (
        "conditions: a large reclaim and long arrears",
        CONDITIONAL,
        [
            fact("r", RECLAIM, 0, amount_eur=1000),
            fact("b", ARREARS, 1.5, months_in_arrears=2, amount_eur=800),
        ],
        [(at(1.5), ["r", "b"], {})],
    ),
    (
        "conditions: a small reclaim is no a",
        CONDITIONAL,
        [fact("r", RECLAIM, 0, amount_eur=999.5), fact("b", ARREARS, 1, months_in_arrears=3, amount_eur=800)],
        [],
    ),
    (
        "conditions: short arrears are no b",
        CONDITIONAL,
        [fact("a", STOP, 0), fact("b", ARREARS, 1, months_in_arrears=1, amount_eur=300)],
        [],
    ),
    (
        "conditions: a missing field does not hold",
        CONDITIONAL,
        [fact("r", RECLAIM, 0), fact("b", ARREARS, 1, months_in_arrears=3, amount_eur=300)],
        [],
    ),
    (
        "a window in hours",
        CONDITIONAL,
        [fact("a", STOP, 0), fact("b", ARREARS, 1.5, plus=1, months_in_arrears=2, amount_eur=1)],
        [],
    ),
]


@pytest.mark.parametrize(
    ("pattern", "facts", "expected"), [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_matches(pattern: dict[str, Any], facts: list[Fact], expected: Summary) -> None:
    pair = evaluator(pattern)

    assert summary(pair.matches(ordered(facts), clock=at(0))) == expected
    assert pair.wakeup(ordered(facts), clock=at(0)) is None


KEEP_CASES: list[tuple[str, list[Fact], float, set[str]]] = [
    ("nothing without facts before the cutoff", [fact("a", STOP, 100), fact("b", ARREARS, 110)], 100, set()),
    ("a pair entirely before the cutoff goes", [fact("a", STOP, 0), fact("b", ARREARS, 50)], 100, set()),
    (
        "the older half of a pair across the cutoff stays",
        [fact("a", STOP, 20), fact("b", ARREARS, 105)],
        100,
        {"a"},
    ),
    (
        "an older event whose partner after the cutoff is outside its window goes",
        [fact("a", STOP, 5), fact("b", ARREARS, 100)],
        100,
        set(),
    ),
    (
        "the older half stays in either order",
        [fact("b", ARREARS, 99), fact("a", STOP, 100)],
        100,
        {"b"},
    ),
]


@pytest.mark.parametrize(
    ("facts", "cutoff", "expected"), [case[1:] for case in KEEP_CASES], ids=[case[0] for case in KEEP_CASES]
)
def test_keep(facts: list[Fact], cutoff: float, expected: set[str]) -> None:
    assert {key[1] for key in evaluator(BENEFIT).keep(ordered(facts), at(cutoff))} == expected
