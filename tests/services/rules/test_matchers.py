"""Compiled matchers: type sets with conditions, answers cached per fact, conditions shared per expression."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from services.rules.conditions import Condition
from services.rules.matchers import CompiledMatcher, ConditionCache, MatcherSet
from services.rules.model import Matcher
from tests.support.rules import fact

CARE = "nl.wijkbrug.social.care.started"
CARE_END = "nl.wijkbrug.social.care.ended"
CLOSURE = "nl.wijkbrug.safety.house_closure.ordered"


class Counting(Condition):
    def __init__(self, expression: str) -> None:
        super().__init__(expression)
        self.calls = 0

    def __call__(self, data: Mapping[str, Any]) -> bool:
        self.calls += 1
        return super().__call__(data)


@pytest.mark.parametrize(
    ("fact_type", "data", "expected"),
    [
        ("social.care.started", {"kind": "jeugd"}, True),
        ("social.care.started", {"kind": "wmo"}, False),
        ("social.care.ended", {"kind": "jeugd"}, False),
    ],
)
def test_a_matcher_wants_its_type_and_its_condition(
    fact_type: str, data: dict[str, Any], expected: bool
) -> None:
    matcher = CompiledMatcher([CARE], Condition('kind == "jeugd"'))

    assert matcher(fact("e", fact_type, 0, **data)) is expected


def test_the_answer_is_cached_on_the_fact() -> None:
    condition = Counting('kind == "jeugd"')
    matcher = CompiledMatcher([CARE], condition)
    item = fact("e", "social.care.started", 0, kind="jeugd")

    assert [matcher(item), matcher(item), matcher(item)] == [True, True, True]
    assert condition.calls == 1
    assert item.matched == {matcher.id: True}


def test_another_type_is_not_evaluated() -> None:
    condition = Counting('kind == "jeugd"')

    assert CompiledMatcher([CARE], condition)(fact("e", "social.care.ended", 0, kind="jeugd")) is False
    assert condition.calls == 0


def test_matchers_have_their_own_ids() -> None:
    first, second = CompiledMatcher([CARE], None), CompiledMatcher([CARE], None)
    item = fact("e", "social.care.started", 0)

    assert first.id != second.id
    assert first(item) and second(item)
    assert set(item.matched) == {first.id, second.id}


@pytest.mark.parametrize(
    ("fact_type", "data", "expected"),
    [
        ("safety.house_closure.ordered", {}, True),
        ("social.care.started", {"kind": "jeugd"}, True),
        ("social.care.ended", {"kind": "jeugd"}, True),
        ("social.care.started", {"kind": "wmo"}, False),
        ("social.care.ended", {"kind": "wmo"}, False),
        ("social.care.ended", {}, False),
        ("housing.eviction.summoned", {"kind": "jeugd"}, False),
    ],
)
def test_a_set_wants_any_of_its_matchers(fact_type: str, data: dict[str, Any], expected: bool) -> None:
    cache = ConditionCache()
    matchers = cache.matchers(
        [
            Matcher.model_validate("safety.house_closure.ordered"),
            Matcher.model_validate(
                {"types": ["social.care.started", "social.care.ended"], "where": 'kind == "jeugd"'}
            ),
        ]
    )

    assert isinstance(matchers, MatcherSet)
    assert matchers.types == frozenset({CARE, CARE_END, CLOSURE})
    assert matchers.fields == frozenset({"kind"})
    assert matchers(fact("e", fact_type, 0, **data)) is expected


def test_a_type_both_with_and_without_condition_matches_without() -> None:
    matchers = ConditionCache().matchers(
        [
            Matcher.model_validate({"type": "social.care.started", "where": 'kind == "jeugd"'}),
            Matcher.model_validate("social.care.started"),
        ]
    )

    assert matchers(fact("e", "social.care.started", 0, kind="wmo")) is True


def test_the_cache_shares_matchers_and_conditions() -> None:
    cache = ConditionCache()
    jeugd = Matcher.model_validate({"type": "social.care.started", "where": 'kind == "jeugd"'})
    same = Matcher.model_validate({"types": ["nl.wijkbrug.social.care.started"], "where": 'kind == "jeugd"'})
    other_type = Matcher.model_validate({"type": "social.care.ended", "where": 'kind == "jeugd"'})
    other_condition = Matcher.model_validate({"type": "social.care.started", "where": 'kind == "wmo"'})

    assert cache.matcher(jeugd) is cache.matcher(same)
    assert cache.matcher(jeugd) is not cache.matcher(other_type)
    assert cache.matcher(jeugd).condition is cache.matcher(other_type).condition
    assert cache.matcher(jeugd).condition is not cache.matcher(other_condition).condition
    assert cache.matcher(Matcher.model_validate("social.care.started")).condition is None
    assert ConditionCache().matcher(jeugd) is not cache.matcher(jeugd)
