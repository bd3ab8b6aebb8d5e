"""The rule file format (RuleSpec and its parts), validated without touching files."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
from pydantic import ValidationError

from schemas.catalogue import CATALOGUE
from schemas.identifiers import Domain, SubjectKind
from services.rules.model import Interval, OverlapPattern, RuleSpec

DEBT_STARTED = "nl.wijkbrug.social.debt_assistance.started"
DEBT_ENDED = "nl.wijkbrug.social.debt_assistance.ended"


def rule_document(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "id": "test-overlap-rule",
        "title": "Twee toestanden tegelijk",
        "severity": "medium",
        "subjects": ["hh"],
        "policies": [{"domain": "social", "reference": "Wgs", "text": "Stabiliseren."}],
        "pattern": {
            "kind": "overlap",
            "first": {
                "label": "schuldhulp",
                "start": ["social.debt_assistance.started"],
                "end": ["social.debt_assistance.ended"],
            },
            "second": {
                "label": "zorg",
                "start": ["nl.wijkbrug.social.care.started"],
                "end": ["social.care.ended"],
            },
        },
    }
    for key, value in changes.items():
        if value is ...:
            document.pop(key)
        else:
            document[key] = value
    return document


def errors_of(document: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as caught:
        RuleSpec.model_validate(document)
    return [(".".join(str(part) for part in error["loc"]), error["msg"]) for error in caught.value.errors()]


def test_a_minimal_rule() -> None:
    rule = RuleSpec.model_validate(rule_document())

    assert rule.id == "test-overlap-rule"
    assert rule.severity == "medium"
    assert rule.subjects == [SubjectKind.HOUSEHOLD]
    assert rule.dedup_key == "{rule}:{subject}", "rule + subject is the default dedup key"
    assert rule.description == ""
    assert rule.policies[0].domain is Domain.SOCIAL
    assert isinstance(rule.pattern, OverlapPattern)


def test_types_are_accepted_by_suffix_or_full_name_and_stored_in_full() -> None:
    rule = RuleSpec.model_validate(rule_document())

    assert rule.pattern.first.start == [DEBT_STARTED]
    assert rule.pattern.second.start == ["nl.wijkbrug.social.care.started"]
    assert rule.event_types() == frozenset(
        {DEBT_STARTED, DEBT_ENDED, "nl.wijkbrug.social.care.started", "nl.wijkbrug.social.care.ended"}
    )
    assert rule.event_types() <= set(CATALOGUE)


def test_an_interval_without_end_types_never_ends() -> None:
    interval = Interval(label="open", start=["housing.eviction.executed"])

    assert interval.end == []


def test_strings_are_stripped() -> None:
    rule = RuleSpec.model_validate(rule_document(id="  test-overlap-rule ", title=" Titel  "))

    assert (rule.id, rule.title) == ("test-overlap-rule", "Titel")


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"id": "Bad Id"}, "id", "pattern"),
        ({"id": "ab"}, "id", "pattern"),
        ({"id": "-leading-dash"}, "id", "pattern"),
        ({"id": "x" * 81}, "id", "pattern"),
        ({"id": ...}, "id", "required"),
        ({"title": ""}, "title", "at least 1"),
        ({"severity": "critical"}, "severity", "'low', 'medium' or 'high'"),
        ({"severity": "HIGH"}, "severity", "'low', 'medium' or 'high'"),
        ({"subjects": []}, "subjects", "at least 1"),
        ({"subjects": ["household"]}, "subjects.0", "'hh'"),
        ({"pattern": ...}, "pattern", "required"),
        ({"unknown": True}, "unknown", "not permitted"),
        ({"dedup_key": "{rule}:{subject}:{foo}"}, "dedup_key", "unknown placeholder(s) foo"),
        ({"dedup_key": "{rule}:{subject}:{0}"}, "dedup_key", "unknown placeholder(s) 0"),
        ({"dedup_key": "{rule}:{subject}:{data}"}, "dedup_key", "unknown placeholder(s) data"),
        ({"dedup_key": "{rule}:{buurt}"}, "dedup_key", "{rule} and {subject}"),
        ({"dedup_key": "{subject}"}, "dedup_key", "{rule} and {subject}"),
        ({"dedup_key": "vast"}, "dedup_key", "{rule} and {subject}"),
        ({"dedup_key": "{rule:{subject}"}, "dedup_key", "not a valid template"),
        (
            {"policies": [{"domain": "kerk", "reference": "x", "text": "y"}]},
            "policies.0.domain",
            "Input should be",
        ),
        (
            {"policies": [{"domain": "social", "reference": "", "text": "y"}]},
            "policies.0.reference",
            "at least 1",
        ),
    ],
)
def test_invalid_rules(changes: dict[str, Any], field: str, words: str) -> None:
    errors = errors_of(rule_document(**changes))

    assert errors[0][0] == field
    assert words in errors[0][1]


@pytest.mark.parametrize(
    ("where", "value", "field", "words"),
    [
        (
            ("first", "start"),
            ["social.debt_assistance.begun"],
            "pattern.overlap.first.start",
            "not an event type",
        ),
        (
            ("second", "end"),
            ["nl.wijkbrug.nope.nope.nope"],
            "pattern.overlap.second.end",
            "not an event type",
        ),
        (("first", "start"), [], "pattern.overlap.first.start", "at least 1"),
        (
            ("first", "end"),
            ["social.debt_assistance.ended", "nl.wijkbrug.social.debt_assistance.started"],
            "pattern.overlap.first",
            "both start and end",
        ),
    ],
)
def test_invalid_intervals(where: tuple[str, str], value: list[str], field: str, words: str) -> None:
    document = rule_document()
    document["pattern"][where[0]][where[1]] = value

    errors = errors_of(document)

    assert errors[0][0] == field
    assert words in errors[0][1]


def test_the_clashing_type_is_named() -> None:
    with pytest.raises(ValidationError, match=re.escape(DEBT_STARTED)):
        Interval(label="x", start=[DEBT_STARTED], end=["social.debt_assistance.started"])


def test_an_unknown_pattern_kind_is_refused() -> None:
    document = rule_document()
    document["pattern"] = {**copy.deepcopy(document["pattern"]), "kind": "sequence"}

    errors = errors_of(document)

    assert errors[0][0] == "pattern"
    assert "overlap" in errors[0][1]


@pytest.mark.parametrize("template", ["{rule}:{subject}", "{subject}/{rule}/{buurt}", "{rule}|{subject}|x"])
def test_valid_dedup_key_templates(template: str) -> None:
    assert RuleSpec.model_validate(rule_document(dedup_key=template)).dedup_key == template


def test_a_rule_is_immutable() -> None:
    rule = RuleSpec.model_validate(rule_document())

    with pytest.raises(ValidationError):
        rule.severity = "high"  # type: ignore[misc]
