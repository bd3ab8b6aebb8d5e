"""The overlap pattern kind: the periods in which a state is active, and where two states overlap."""

from __future__ import annotations

import pytest

from services.rules.facts import Fact
from services.rules.kinds.overlap import OPEN_END, evaluate, spans
from services.rules.model import Interval, OverlapPattern

DEBT = Interval(
    label="schuldhulpverlening",
    start=["social.debt_assistance.started"],
    end=["social.debt_assistance.ended"],
)
EVICTION = Interval(
    label="ontruimingsprocedure",
    start=["housing.eviction.summoned", "housing.eviction.scheduled"],
    end=["housing.eviction.executed", "housing.eviction.cancelled"],
)
PATTERN = OverlapPattern(kind="overlap", first=DEBT, second=EVICTION)

ORG_OF = {"social": "sociaal", "housing": "woonstad"}


def fact(t: int, suffix: str, event_id: str | None = None) -> Fact:
    return Fact(
        t=t,
        org=ORG_OF[suffix.split(".", 1)[0]],
        id=event_id or f"{suffix.split('.')[-1]}-{t}",
        type=f"nl.wijkbrug.{suffix}",
        buurt="BU0363AD05",
    )


def ordered(*facts: Fact) -> list[Fact]:
    return sorted(facts, key=lambda item: item.sort_key)


def periods(facts: list[Fact], interval: Interval) -> list[tuple[int, int, list[str]]]:
    return [(span.start, span.end, [member.id for member in span.members]) for span in spans(facts, interval)]


# ---------------------------------------------------------------------------------------------------
# spans


def test_a_started_and_ended_state_is_one_half_open_period() -> None:
    facts = ordered(fact(10, "social.debt_assistance.started"), fact(20, "social.debt_assistance.ended"))

    assert periods(facts, DEBT) == [(10, 20, ["started-10"])]


def test_a_state_that_never_ended_is_open() -> None:
    facts = [fact(10, "social.debt_assistance.started")]

    assert periods(facts, DEBT) == [(10, OPEN_END, ["started-10"])]


def test_further_starts_while_active_join_the_period() -> None:
    facts = ordered(
        fact(10, "housing.eviction.summoned"),
        fact(15, "housing.eviction.scheduled"),
        fact(30, "housing.eviction.executed"),
    )

    assert periods(facts, EVICTION) == [(10, 30, ["summoned-10", "scheduled-15"])]


def test_an_end_without_a_start_is_ignored() -> None:
    facts = ordered(
        fact(5, "social.debt_assistance.ended"),
        fact(10, "social.debt_assistance.started"),
        fact(20, "social.debt_assistance.ended"),
        fact(25, "social.debt_assistance.ended"),
    )

    assert periods(facts, DEBT) == [(10, 20, ["started-10"])]


def test_several_periods() -> None:
    facts = ordered(
        fact(10, "social.debt_assistance.started"),
        fact(20, "social.debt_assistance.ended"),
        fact(30, "social.debt_assistance.started"),
        fact(40, "social.debt_assistance.ended"),
        fact(50, "social.debt_assistance.started"),
    )

    assert periods(facts, DEBT) == [
        (10, 20, ["started-10"]),
        (30, 40, ["started-30"]),
        (50, OPEN_END, ["started-50"]),
    ]


def test_other_types_do_not_count() -> None:
    facts = ordered(fact(10, "housing.eviction.summoned"), fact(20, "housing.eviction.cancelled"))

    assert periods(facts, DEBT) == []


# ---------------------------------------------------------------------------------------------------
# evaluate


@pytest.mark.parametrize(
    "facts",
    [
        [],
        [fact(10, "social.debt_assistance.started")],
        [fact(10, "housing.eviction.summoned"), fact(11, "housing.eviction.scheduled")],
        # debt assistance ended before the summons
        [
            fact(10, "social.debt_assistance.started"),
            fact(20, "social.debt_assistance.ended"),
            fact(30, "housing.eviction.summoned"),
        ],
        # the eviction was cancelled before debt assistance started
        [
            fact(10, "housing.eviction.summoned"),
            fact(20, "housing.eviction.cancelled"),
            fact(30, "social.debt_assistance.started"),
        ],
        # half-open: an end at the very instant of the other start is no overlap
        [
            fact(10, "social.debt_assistance.started"),
            fact(20, "social.debt_assistance.ended"),
            fact(20, "housing.eviction.summoned"),
        ],
        [
            fact(10, "housing.eviction.scheduled"),
            fact(20, "housing.eviction.executed"),
            fact(20, "social.debt_assistance.started"),
        ],
    ],
)
def test_no_overlap_no_match(facts: list[Fact]) -> None:
    assert evaluate(PATTERN, ordered(*facts)) == []


def test_an_overlap_opens_at_the_later_start() -> None:
    debt = fact(10, "social.debt_assistance.started")
    summons = fact(25, "housing.eviction.summoned")

    (match,) = evaluate(PATTERN, ordered(debt, summons))

    assert match.opened_at == 25
    assert match.evidence == (debt, summons)
    assert dict(match.key_data) == {}


def test_evidence_is_what_started_before_the_overlap_ended() -> None:
    debt = fact(10, "social.debt_assistance.started")
    summons = fact(20, "housing.eviction.summoned")
    scheduled_in_time = fact(30, "housing.eviction.scheduled")
    ended = fact(40, "social.debt_assistance.ended")
    scheduled_too_late = fact(50, "housing.eviction.scheduled")

    (match,) = evaluate(PATTERN, ordered(debt, summons, scheduled_in_time, ended, scheduled_too_late))

    assert [item.id for item in match.evidence] == [debt.id, summons.id, scheduled_in_time.id]


def test_one_match_covers_every_overlapping_period() -> None:
    facts = ordered(
        fact(10, "social.debt_assistance.started"),
        fact(20, "housing.eviction.summoned"),
        fact(30, "social.debt_assistance.ended"),
        fact(40, "housing.eviction.cancelled"),
        fact(50, "social.debt_assistance.started"),
        fact(60, "housing.eviction.summoned"),
    )

    (match,) = evaluate(PATTERN, facts)

    assert match.opened_at == 20, "the earliest moment of any overlap"
    assert [item.id for item in match.evidence] == ["started-10", "summoned-20", "started-50", "summoned-60"]


def test_evidence_is_in_event_time_order_and_has_no_ends() -> None:
    facts = ordered(
        fact(40, "housing.eviction.scheduled"),
        fact(10, "social.debt_assistance.started"),
        fact(5, "housing.eviction.summoned"),
        fact(70, "housing.eviction.executed"),
    )

    (match,) = evaluate(PATTERN, facts)

    assert [item.t for item in match.evidence] == [5, 10, 40]
    assert all(item.type in {*DEBT.start, *EVICTION.start} for item in match.evidence)


def test_the_pattern_is_symmetric() -> None:
    mirrored = OverlapPattern(kind="overlap", first=EVICTION, second=DEBT)
    facts = ordered(
        fact(10, "housing.eviction.summoned"),
        fact(20, "social.debt_assistance.started"),
        fact(30, "housing.eviction.cancelled"),
    )

    assert evaluate(mirrored, facts) == evaluate(PATTERN, facts)
    assert evaluate(PATTERN, facts)[0].opened_at == 20
