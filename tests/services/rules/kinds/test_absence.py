"""Absence after a trigger: deadlines in event time, the clock only says whether "nothing came" is known."""

from __future__ import annotations

from typing import Any

import pytest

from services.rules.facts import Fact
from services.rules.kinds.absence import AbsenceEvaluator
from services.rules.matchers import ConditionCache
from services.rules.model import AbsencePattern
from tests.support.rules import Summary, at, fact, ordered, summary

REQUESTED = "municipality.permit.requested"
DECIDED = "municipality.permit.decided"
REPORT = "municipality.report.created"  # gemeente
NUISANCE = "housing.nuisance.reported"  # woco
INCIDENT = "safety.incident.registered"  # politie
STATUS = "municipality.report.status_changed"
CITY_ACTION = "municipality.enforcement.action"

NO_DECISION: dict[str, Any] = {
    "kind": "absence",
    "trigger": {"events": [{"type": REQUESTED, "where": "has(initiative_id)"}]},
    "followup": [DECIDED],
    "correlate": "permit_id",
    "within": "56d",
}
NO_FOLLOWUP: dict[str, Any] = {
    "kind": "absence",
    "trigger": {"events": [REPORT, NUISANCE, INCIDENT], "count": 3, "within": "30d"},
    "followup": [{"type": STATUS, "where": 'state in ["b", "ingepland", "o"]'}, "*.enforcement.action"],
    "within": "14d",
}


def evaluator(pattern: dict[str, Any]) -> AbsenceEvaluator:
    return AbsenceEvaluator(AbsencePattern.model_validate(pattern), ConditionCache())


def request(fact_id: str, days: float, permit: str = "P1", *, plus: int = 0, initiative: bool = True) -> Fact:
    data = {"permit_id": permit, "permit_type": "evenement"}
    if initiative:
        data["initiative_id"] = "BI-1"
    return fact(fact_id, REQUESTED, days, plus=plus, **data)


def decision(fact_id: str, days: float, permit: str | None = "P1", *, plus: int = 0) -> Fact:
    data = {"outcome": "granted"} | ({"permit_id": permit} if permit else {})
    return fact(fact_id, DECIDED, days, plus=plus, **data)


def reports(*days: float, prefix: str = "") -> list[Fact]:
    """Reports of the three organisations in turn: ids m, w, p (then m2, w2, p2 with prefix "2")."""
    kinds = [("m", REPORT), ("w", NUISANCE), ("p", INCIDENT)]
    return [
        fact(kinds[n % 3][0] + prefix, kinds[n % 3][1], day, category="overlast")
        for n, day in enumerate(days)
    ]


def status(fact_id: str, days: float, state: str) -> Fact:
    return fact(fact_id, STATUS, days, external_id="SIG-1", state=state)


P1 = {"permit_id": "P1"}

# name, pattern, facts, clock, expected matches, expected wake-up
CASES: list[tuple[str, dict[str, Any], list[Fact], int, Summary, int | None]] = [
    (
        "before the deadline nothing can be concluded",
        NO_DECISION,
        [request("r", 0)],
        at(56, -1),
        [],
        at(56),
    ),
    (
        "at the deadline the absence is known",
        NO_DECISION,
        [request("r", 0)],
        at(56),
        [(at(56), ["r"], P1)],
        None,
    ),
    (
        "a decision on the deadline is in time",
        NO_DECISION,
        [request("r", 0), decision("d", 56)],
        at(100),
        [],
        None,
    ),
    (
        "a decision after the deadline does not cancel",
        NO_DECISION,
        [request("r", 0), decision("d", 56, plus=1)],
        at(56, 1),
        [(at(56), ["r"], P1)],
        None,
    ),
    (
        "a decision on another permit does not count",
        NO_DECISION,
        [request("r", 0), decision("d", 10, "P2")],
        at(60),
        [(at(56), ["r"], P1)],
        None,
    ),
    (
        "a decision without a permit id answers nothing",
        NO_DECISION,
        [request("r", 0), decision("d", 10, None)],
        at(60),
        [(at(56), ["r"], P1)],
        None,
    ),
    (
        "a request that is not an initiative's is no trigger",
        NO_DECISION,
        [request("r", 0, initiative=False)],
        at(100),
        [],
        None,
    ),
    (
        "a decision before the request does not answer it",
        NO_DECISION,
        [decision("d", 0), request("r", 5)],
        at(61),
        [(at(61), ["r"], P1)],
        None,
    ),
    (
        "a decision at the request's own moment answers it (on a tie the trigger goes first)",
        NO_DECISION,
        [decision("d", 0), request("r", 0)],
        at(100),
        [],
        None,
    ),
    (
        "each permit has its own clock",
        NO_DECISION,
        [request("r1", 0, "P1"), request("r2", 10, "P2")],
        at(60),
        [(at(56), ["r1"], P1)],
        at(66),
    ),
    (
        "the next deadline of several",
        NO_DECISION,
        [request("r1", 0, "P1"), request("r2", 10, "P2")],
        at(1),
        [],
        at(56),
    ),
    (
        "a repeated request while the clock runs is evidence, not a new clock",
        NO_DECISION,
        [request("r1", 0), request("r2", 10)],
        at(55),
        [],
        at(56),
    ),
    (
        "the repeated request is evidence of the match",
        NO_DECISION,
        [request("r1", 0), request("r2", 10)],
        at(56),
        [(at(56), ["r1", "r2"], P1)],
        None,
    ),
    (
        "a new request after a breach starts a new clock; one match per permit, opened at the first",
        NO_DECISION,
        [request("r1", 0), decision("d", 70), request("r2", 80)],
        at(200),
        [(at(56), ["r1", "r2"], P1)],
        None,
    ),
    (
        "three reports within 30 days, then 14 days without follow-up",
        NO_FOLLOWUP,
        reports(0, 9, 19),
        at(33),
        [(at(33), ["m", "w", "p"], {})],
        None,
    ),
    ("the 14 days have not passed", NO_FOLLOWUP, reports(0, 9, 19), at(33, -1), [], at(33)),
    ("two reports start no clock", NO_FOLLOWUP, reports(0, 9), at(100), [], None),
    (
        "exactly 30 days between the first and the third",
        NO_FOLLOWUP,
        reports(0, 15, 30),
        at(44),
        [(at(44), ["m", "w", "p"], {})],
        None,
    ),
    (
        "more than 30 days between the first and the third",
        NO_FOLLOWUP,
        [*reports(0, 15), fact("p", INCIDENT, 30, plus=1, category="overlast")],
        at(100),
        [],
        None,
    ),
    ("followed up in time", NO_FOLLOWUP, [*reports(0, 9, 19), status("s", 25, "b")], at(100), [], None),
    (
        "a state change that is no follow-up",
        NO_FOLLOWUP,
        [*reports(0, 9, 19), status("s", 25, "h")],
        at(100),
        [(at(33), ["m", "w", "p"], {})],
        None,
    ),
    (
        "enforcement by the municipality on the last day (a wildcard follow-up)",
        NO_FOLLOWUP,
        [*reports(0, 9, 19), fact("e", CITY_ACTION, 33, measure="handhaving")],
        at(100),
        [],
        None,
    ),
    (
        "a follow-up before the third report starts the count afresh",
        NO_FOLLOWUP,
        [*reports(0, 9), status("s", 12, "o"), *reports(19, prefix="x")],
        at(100),
        [],
        None,
    ),
    (
        "a fourth report while the clock runs is evidence",
        NO_FOLLOWUP,
        [*reports(0, 9, 19), *reports(25, prefix="2")],
        at(40),
        [(at(33), ["m", "w", "p", "m2"], {})],
        None,
    ),
    (
        "after a breached deadline the count starts afresh",
        NO_FOLLOWUP,
        [*reports(0, 9, 19), *reports(34, 35, prefix="2")],
        at(100),
        [(at(33), ["m", "w", "p"], {})],
        None,
    ),
    (
        "two breaches make one match, opened at the first",
        NO_FOLLOWUP,
        [*reports(0, 9, 19), *reports(40, 41, 42, prefix="2")],
        at(60),
        [(at(33), ["m", "w", "p", "m2", "w2", "p2"], {})],
        None,
    ),
]


@pytest.mark.parametrize(
    ("pattern", "facts", "clock", "expected", "wakeup"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_matches_and_wakeup(
    pattern: dict[str, Any], facts: list[Fact], clock: int, expected: Summary, wakeup: int | None
) -> None:
    absence = evaluator(pattern)

    assert summary(absence.matches(ordered(facts), clock)) == expected
    assert absence.wakeup(ordered(facts), clock) == wakeup


def test_it_runs_on_the_clock() -> None:
    absence = evaluator(NO_DECISION)

    assert absence.clocked is True
    assert absence.fields == frozenset({"initiative_id", "permit_id"})


KEEP_CASES: list[tuple[str, dict[str, Any], list[Fact], float, set[str]]] = [
    ("the trigger of a pending watch", NO_DECISION, [request("r", 0)], 10, {"r"}),
    ("the trigger of a watch whose deadline is after the cutoff", NO_DECISION, [request("r", 0)], 56, {"r"}),
    (
        "not the trigger of a watch whose deadline is before the cutoff",
        NO_DECISION,
        [request("r", 0)],
        56.5,
        set(),
    ),
    ("not an answered trigger", NO_DECISION, [request("r", 0), decision("d", 10)], 20, set()),
    (
        "every trigger of a breached watch whose deadline is after the cutoff",
        NO_FOLLOWUP,
        [*reports(0, 9, 19), *reports(50, prefix="2")],
        20,
        {"m", "w", "p"},
    ),
    ("not a count that started no watch", NO_FOLLOWUP, reports(0, 9), 20, set()),
]


@pytest.mark.parametrize(
    ("pattern", "facts", "cutoff", "expected"),
    [case[1:] for case in KEEP_CASES],
    ids=[case[0] for case in KEEP_CASES],
)
def test_keep(pattern: dict[str, Any], facts: list[Fact], cutoff: float, expected: set[str]) -> None:
    assert {key[1] for key in evaluator(pattern).keep(ordered(facts), at(cutoff))} == expected
