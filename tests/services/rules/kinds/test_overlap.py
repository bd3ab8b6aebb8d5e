"""Overlapping states: half-open intervals, either order, conditions on start and end, max_duration."""

from __future__ import annotations

from typing import Any

import pytest

from services.rules.facts import Fact
from services.rules.kinds.overlap import OverlapEvaluator
from services.rules.matchers import ConditionCache
from services.rules.model import OverlapPattern
from tests.support.rules import Summary, at, fact, ordered, summary

DEBT = "social.debt_assistance.started"
DEBT_END = "social.debt_assistance.ended"
SUMMONS = "housing.eviction.summoned"
SCHEDULED = "housing.eviction.scheduled"
CANCELLED = "housing.eviction.cancelled"
EXECUTED = "housing.eviction.executed"
CARE = "social.care.started"
CARE_END = "social.care.ended"
CLOSURE = "safety.house_closure.ordered"

EVICTION: dict[str, Any] = {
    "kind": "overlap",
    "first": {"label": "schuldhulp", "start": [DEBT], "end": [DEBT_END]},
    "second": {
        "label": "ontruiming",
        "start": ["housing.eviction.summoned", SCHEDULED],
        "end": [CANCELLED, EXECUTED],
    },
}
YOUTH_CARE: dict[str, Any] = {
    "kind": "overlap",
    "first": {
        "label": "jeugdhulp",
        "start": [{"type": CARE, "where": 'kind == "jeugd"'}],
        "end": [{"type": CARE_END, "where": 'kind == "jeugd"'}],
    },
    "second": {"label": "sluiting", "start": [CLOSURE]},
}
#: Debt assistance that lapses 30 days after its last (re)start, unless ended before.
LAPSING: dict[str, Any] = {
    "kind": "overlap",
    "first": {"label": "schuldhulp", "start": [DEBT], "end": [DEBT_END], "max_duration": "30d"},
    "second": {"label": "ontruiming", "start": [SUMMONS]},
}


def evaluator(pattern: dict[str, Any]) -> OverlapEvaluator:
    return OverlapEvaluator(OverlapPattern.model_validate(pattern), ConditionCache())


CASES: list[tuple[str, dict[str, Any], list[Fact], Summary]] = [
    (
        "debt assistance, then a summons",
        EVICTION,
        [fact("d", DEBT, 0), fact("s", SUMMONS, 10)],
        [(at(10), ["d", "s"], {})],
    ),
    (
        "a summons, then debt assistance",
        EVICTION,
        [fact("s", SUMMONS, 0), fact("d", DEBT, 10)],
        [(at(10), ["s", "d"], {})],
    ),
    (
        "a scheduled eviction starts the state too",
        EVICTION,
        [fact("x", SCHEDULED, 3), fact("d", DEBT, 4)],
        [(at(4), ["x", "d"], {})],
    ),
    ("only one state", EVICTION, [fact("d", DEBT, 0), fact("d2", DEBT, 5)], []),
    (
        "debt assistance ended before the summons",
        EVICTION,
        [fact("d", DEBT, 0), fact("e", DEBT_END, 5), fact("s", SUMMONS, 10)],
        [],
    ),
    (
        "half-open: an end and a start at the same moment do not overlap",
        EVICTION,
        [fact("d", DEBT, 0), fact("e", DEBT_END, 10), fact("s", SUMMONS, 10)],
        [],
    ),
    (
        "one microsecond of overlap is an overlap",
        EVICTION,
        [fact("d", DEBT, 0), fact("s", SUMMONS, 10), fact("e", DEBT_END, 10, plus=1)],
        [(at(10), ["d", "s"], {})],
    ),
    (
        "the end event is no evidence",
        EVICTION,
        [fact("d", DEBT, 0), fact("s", SUMMONS, 9), fact("e", DEBT_END, 10)],
        [(at(9), ["d", "s"], {})],
    ),
    (
        "a cancelled eviction before debt assistance",
        EVICTION,
        [fact("s", SUMMONS, 0), fact("c", CANCELLED, 5), fact("d", DEBT, 10)],
        [],
    ),
    (
        "an executed eviction ends the state too",
        EVICTION,
        [fact("s", SUMMONS, 0), fact("x", EXECUTED, 5), fact("d", DEBT, 10)],
        [],
    ),
    (
        "an end without a start is ignored",
        EVICTION,
        [fact("c", CANCELLED, 0), fact("s", SUMMONS, 5), fact("d", DEBT, 10)],
        [(at(10), ["s", "d"], {})],
    ),
    (
        "a second episode updates the one match: earliest opening, both episodes as evidence",
        EVICTION,
        [fact("d", DEBT, 0), fact("s1", SUMMONS, 10), fact("c", CANCELLED, 20), fact("s2", SUMMONS, 30)],
        [(at(10), ["d", "s1", "s2"], {})],
    ),
    (
        "a renewal while the state is active is evidence",
        EVICTION,
        [fact("d", DEBT, 0), fact("s", SUMMONS, 10), fact("x", SCHEDULED, 20)],
        [(at(10), ["d", "s", "x"], {})],
    ),
    (
        "a renewal after the other state ended is no evidence",
        EVICTION,
        [fact("d", DEBT, 0), fact("s", SUMMONS, 5), fact("e", DEBT_END, 20), fact("x", SCHEDULED, 25)],
        [(at(5), ["d", "s"], {})],
    ),
    (
        "conditions on start: youth care",
        YOUTH_CARE,
        [fact("c", CARE, 0, kind="jeugd"), fact("h", CLOSURE, 10)],
        [(at(10), ["c", "h"], {})],
    ),
    (
        "conditions on start: wmo care is no youth care",
        YOUTH_CARE,
        [fact("c", CARE, 0, kind="wmo"), fact("h", CLOSURE, 10)],
        [],
    ),
    (
        "conditions on end: the end of wmo care does not end youth care",
        YOUTH_CARE,
        [fact("c", CARE, 0, kind="jeugd"), fact("e", CARE_END, 5, kind="wmo"), fact("h", CLOSURE, 10)],
        [(at(10), ["c", "h"], {})],
    ),
    (
        "conditions on end: the end of youth care",
        YOUTH_CARE,
        [fact("c", CARE, 0, kind="jeugd"), fact("e", CARE_END, 5, kind="jeugd"), fact("h", CLOSURE, 10)],
        [],
    ),
    (
        "a state without end types never ends",
        YOUTH_CARE,
        [fact("h", CLOSURE, 0), fact("c", CARE, 300, kind="jeugd")],
        [(at(300), ["h", "c"], {})],
    ),
    (
        "max_duration: within",
        LAPSING,
        [fact("d", DEBT, 0), fact("s", SUMMONS, 30, plus=-1)],
        [(at(30, -1), ["d", "s"], {})],
    ),
    ("max_duration: lapsed exactly at its end", LAPSING, [fact("d", DEBT, 0), fact("s", SUMMONS, 30)], []),
    (
        "max_duration: a renewal extends the state",
        LAPSING,
        [fact("d1", DEBT, 0), fact("d2", DEBT, 20), fact("s", SUMMONS, 45)],
        [(at(45), ["d1", "d2", "s"], {})],
    ),
    (
        "max_duration: a start after it lapsed is a new state",
        LAPSING,
        [fact("d1", DEBT, 0), fact("s", SUMMONS, 40), fact("d2", DEBT, 50)],
        [(at(50), ["s", "d2"], {})],
    ),
    (
        "max_duration: an end before the lapse still ends it",
        LAPSING,
        [fact("d", DEBT, 0), fact("e", DEBT_END, 5), fact("s", SUMMONS, 10)],
        [],
    ),
]


@pytest.mark.parametrize(
    ("pattern", "facts", "expected"), [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_matches(pattern: dict[str, Any], facts: list[Fact], expected: Summary) -> None:
    found = evaluator(pattern).matches(ordered(facts), clock=at(1000))

    assert summary(found) == expected


@pytest.mark.parametrize("clock", [at(-1000), at(10), at(10_000)])
def test_the_clock_does_not_matter(clock: int) -> None:
    facts = ordered([fact("d", DEBT, 0), fact("s", SUMMONS, 10)])

    assert summary(evaluator(EVICTION).matches(facts, clock)) == [(at(10), ["d", "s"], {})]
    assert evaluator(EVICTION).wakeup(facts, clock) is None
    assert evaluator(EVICTION).clocked is False


def test_the_types_and_fields_it_looks_at() -> None:
    overlap = evaluator(YOUTH_CARE)

    assert overlap.types == frozenset({f"nl.wijkbrug.{name}" for name in (CARE, CARE_END, CLOSURE)})
    assert overlap.fields == frozenset({"kind"})


KEEP_CASES: list[tuple[str, dict[str, Any], list[Fact], float, set[str]]] = [
    ("the start of an open state", EVICTION, [fact("d", DEBT, 0)], 100, {"d"}),
    (
        "only the start of an open state without max_duration",
        EVICTION,
        [fact("d1", DEBT, 0), fact("d2", DEBT, 10)],
        100,
        {"d1"},
    ),
    (
        "nothing of a state that ended before the cutoff",
        EVICTION,
        [fact("d", DEBT, 0), fact("e", DEBT_END, 50)],
        100,
        set(),
    ),
    (
        "the start of a state that ended after the cutoff",
        EVICTION,
        [fact("d", DEBT, 0), fact("e", DEBT_END, 150)],
        100,
        {"d"},
    ),
    (
        "the start of a state that ended exactly at the cutoff",
        EVICTION,
        [fact("d", DEBT, 0), fact("e", DEBT_END, 100)],
        100,
        {"d"},
    ),
    ("open states of both intervals", EVICTION, [fact("d", DEBT, 0), fact("s", SUMMONS, 5)], 100, {"d", "s"}),
    (
        "every renewal of a state with max_duration",
        LAPSING,
        [fact("d1", DEBT, 80), fact("d2", DEBT, 95)],
        100,
        {"d1", "d2"},
    ),
    (
        "nothing of a state that lapsed before the cutoff",
        LAPSING,
        [fact("d1", DEBT, 0), fact("d2", DEBT, 20)],
        100,
        set(),
    ),
]


@pytest.mark.parametrize(
    ("pattern", "facts", "cutoff", "expected"),
    [case[1:] for case in KEEP_CASES],
    ids=[case[0] for case in KEEP_CASES],
)
def test_keep(pattern: dict[str, Any], facts: list[Fact], cutoff: float, expected: set[str]) -> None:
    kept = evaluator(pattern).keep(ordered(facts), at(cutoff))

    assert {key[1] for key in kept} == expected
