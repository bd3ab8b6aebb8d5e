"""Distinct organisations within a sliding window: [t - within, t], opened when K was first reached."""

from __future__ import annotations

from typing import Any

import pytest

from services.rules.facts import Fact
from services.rules.kinds.distinct import DistinctEvaluator
from services.rules.matchers import ConditionCache
from services.rules.model import DistinctPattern
from tests.support.rules import Summary, at, fact, ordered, summary

ARREARS = "housing.arrears.signalled"  # woco
EVICTION = "housing.eviction.summoned"  # woco
RECLAIM = "social.benefit.reclaimed"  # gemeente-sd
POLICE = "safety.enforcement.action"  # politie
CITY = "municipality.enforcement.action"  # gemeente
INCIDENT = "safety.incident.registered"  # politie, no intervention

STACKED: dict[str, Any] = {
    "kind": "distinct",
    "events": [ARREARS, "housing.eviction.*", RECLAIM, "*.enforcement.action"],
    "at_least": 3,
    "within": "180d",
}
#: Two organisations, counting reclaims only from 500 euro.
TWO: dict[str, Any] = {
    "kind": "distinct",
    "events": [ARREARS, {"type": RECLAIM, "where": "amount_eur >= 500"}],
    "at_least": 2,
    "within": "30d",
}


def evaluator(pattern: dict[str, Any]) -> DistinctEvaluator:
    return DistinctEvaluator(DistinctPattern.model_validate(pattern), ConditionCache())


CASES: list[tuple[str, dict[str, Any], list[Fact], Summary]] = [
    (
        "three organisations",
        STACKED,
        [fact("w", ARREARS, 0), fact("g", RECLAIM, 50), fact("p", POLICE, 100)],
        [(at(100), ["w", "g", "p"], {})],
    ),
    (
        "exactly at the window's edge",
        STACKED,
        [fact("w", ARREARS, 0), fact("g", RECLAIM, 50), fact("p", POLICE, 180)],
        [(at(180), ["w", "g", "p"], {})],
    ),
    (
        "one microsecond outside the window",
        STACKED,
        [fact("w", ARREARS, 0), fact("g", RECLAIM, 50), fact("p", POLICE, 180, plus=1)],
        [],
    ),
    (
        "many events of two organisations",
        STACKED,
        [fact("w1", ARREARS, 0), fact("w2", EVICTION, 1), fact("g1", RECLAIM, 2), fact("g2", RECLAIM, 3)],
        [],
    ),
    (
        "a wildcard type counts: *.enforcement.action of the municipality",
        STACKED,
        [fact("w", ARREARS, 0), fact("p", POLICE, 1), fact("m", CITY, 2)],
        [(at(2), ["w", "p", "m"], {})],
    ),
    (
        "a type outside the list does not count",
        STACKED,
        [fact("w", ARREARS, 0), fact("g", RECLAIM, 1), fact("i", INCIDENT, 2)],
        [],
    ),
    (
        "repeats of one organisation inside the window are evidence",
        STACKED,
        [fact("w1", ARREARS, 0), fact("w2", EVICTION, 10), fact("g", RECLAIM, 20), fact("p", POLICE, 30)],
        [(at(30), ["w1", "w2", "g", "p"], {})],
    ),
    (
        "events outside every window that reached K are no evidence",
        STACKED,
        [fact("w1", ARREARS, 0), fact("g", RECLAIM, 200), fact("p", POLICE, 250), fact("w2", EVICTION, 300)],
        [(at(300), ["g", "p", "w2"], {})],
    ),
    (
        "later windows add evidence, the opening stays the first",
        STACKED,
        [
            fact("w1", ARREARS, 0),
            fact("g", RECLAIM, 50),
            fact("p", POLICE, 100),
            fact("m", CITY, 200),
        ],
        [(at(100), ["w1", "g", "p", "m"], {})],
    ),
    (
        "a window that loses an organisation does not make the earlier one go away",
        STACKED,
        [fact("w", ARREARS, 0), fact("g", RECLAIM, 50), fact("p", POLICE, 100), fact("p2", POLICE, 300)],
        [(at(100), ["w", "g", "p"], {})],
    ),
    (
        "conditions: a large reclaim counts",
        TWO,
        [fact("w", ARREARS, 0), fact("g", RECLAIM, 30, amount_eur=500)],
        [(at(30), ["w", "g"], {})],
    ),
    (
        "conditions: a small reclaim does not",
        TWO,
        [fact("w", ARREARS, 0), fact("g", RECLAIM, 1, amount_eur=499)],
        [],
    ),
    ("fewer events than K", TWO, [fact("w", ARREARS, 0)], []),
]


@pytest.mark.parametrize(
    ("pattern", "facts", "expected"), [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_matches(pattern: dict[str, Any], facts: list[Fact], expected: Summary) -> None:
    distinct = evaluator(pattern)

    assert summary(distinct.matches(ordered(facts), clock=at(0))) == expected
    assert distinct.wakeup(ordered(facts), clock=at(0)) is None


def test_organisations_are_counted_not_events_or_types() -> None:
    same_org = [fact(f"e{n}", POLICE if n % 2 else CITY, n, org="gemeente") for n in range(10)]

    assert evaluator(STACKED).matches(ordered(same_org), clock=at(0)) == []


KEEP_CASES: list[tuple[str, list[Fact], float, set[str]]] = [
    (
        "a window entirely before the cutoff goes",
        [fact("w", ARREARS, 0), fact("g", RECLAIM, 10), fact("p", POLICE, 20)],
        100,
        set(),
    ),
    (
        "the older members of a window that ends after the cutoff stay",
        [fact("w", ARREARS, 0), fact("g", RECLAIM, 90), fact("p", POLICE, 150)],
        100,
        {"w", "g"},
    ),
    (
        "older events of a window that never reached K go",
        [fact("w", ARREARS, 0), fact("g", RECLAIM, 90), fact("g2", RECLAIM, 150)],
        100,
        set(),
    ),
]


@pytest.mark.parametrize(
    ("facts", "cutoff", "expected"), [case[1:] for case in KEEP_CASES], ids=[case[0] for case in KEEP_CASES]
)
def test_keep(facts: list[Fact], cutoff: float, expected: set[str]) -> None:
    assert {key[1] for key in evaluator(STACKED).keep(ordered(facts), at(cutoff))} == expected
