"""The rule file format (RuleSpec and its parts), validated without touching files."""

from __future__ import annotations

import copy
import re
from datetime import timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from schemas.catalogue import CATALOGUE
from schemas.identifiers import Domain, SubjectKind
from services.rules.model import (
    AbsencePattern,
    DistinctPattern,
    Interval,
    Matcher,
    OverlapPattern,
    PairPattern,
    RuleSpec,
    SinglePattern,
    expand_types,
    longest_window,
    template_fields,
)

DEBT_STARTED = "nl.wijkbrug.social.debt_assistance.started"
DEBT_ENDED = "nl.wijkbrug.social.debt_assistance.ended"
CARE_STARTED = "nl.wijkbrug.social.care.started"
CARE_ENDED = "nl.wijkbrug.social.care.ended"

OVERLAP: dict[str, Any] = {
    "kind": "overlap",
    "first": {
        "label": "schuldhulp",
        "start": ["social.debt_assistance.started"],
        "end": ["social.debt_assistance.ended"],
    },
    "second": {"label": "zorg", "start": [CARE_STARTED], "end": ["social.care.ended"]},
}
PAIR: dict[str, Any] = {
    "kind": "pair",
    "a": ["social.benefit.stopped"],
    "b": ["housing.arrears.signalled"],
    "within": "90d",
}
DISTINCT: dict[str, Any] = {
    "kind": "distinct",
    "events": ["housing.eviction.*", "*.enforcement.action"],
    "at_least": 3,
    "within": "P180D",
}
ABSENCE: dict[str, Any] = {
    "kind": "absence",
    "trigger": {"events": [{"type": "municipality.permit.requested", "where": "has(initiative_id)"}]},
    "followup": ["municipality.permit.decided"],
    "correlate": "permit_id",
    "within": "56d",
}
COUNTED_ABSENCE: dict[str, Any] = {
    "kind": "absence",
    "trigger": {"events": ["municipality.report.created"], "count": 3, "within": "30d"},
    "followup": ["*.enforcement.action"],
    "within": "14d",
}
SINGLE: dict[str, Any] = {
    "kind": "single",
    "events": [{"type": "municipality.permit.decided", "where": 'outcome == "refused"'}],
    "key": ["permit_id"],
}


def rule_document(pattern: dict[str, Any] | None = None, /, **changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "id": "test-overlap-rule",
        "title": "Twee toestanden tegelijk",
        "severity": "medium",
        "subjects": ["hh"],
        "policies": [{"domain": "social", "reference": "Wgs", "text": "Stabiliseren."}],
        "pattern": copy.deepcopy(pattern if pattern is not None else OVERLAP),
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
    assert rule.subjects == (SubjectKind.HOUSEHOLD,)
    assert rule.dedup_key == "{rule}:{subject}", "rule + subject is the default dedup key"
    assert rule.description == ""
    assert rule.policies[0].domain is Domain.SOCIAL
    assert isinstance(rule.pattern, OverlapPattern)


def test_types_are_accepted_by_suffix_or_full_name_and_stored_in_full() -> None:
    rule = RuleSpec.model_validate(rule_document())

    assert isinstance(rule.pattern, OverlapPattern)
    assert rule.pattern.first.start == (Matcher(types=(DEBT_STARTED,)),)
    assert rule.pattern.second.start[0].types == (CARE_STARTED,)
    assert rule.event_types() == frozenset({DEBT_STARTED, DEBT_ENDED, CARE_STARTED, CARE_ENDED})
    assert rule.event_types() <= set(CATALOGUE)


@pytest.mark.parametrize(
    ("pattern", "kind"),
    [
        (OVERLAP, OverlapPattern),
        (PAIR, PairPattern),
        (DISTINCT, DistinctPattern),
        (ABSENCE, AbsencePattern),
        (COUNTED_ABSENCE, AbsencePattern),
        (SINGLE, SinglePattern),
    ],
    ids=["overlap", "pair", "distinct", "absence", "counted-absence", "single"],
)
def test_the_five_pattern_kinds(pattern: dict[str, Any], kind: type) -> None:
    rule = RuleSpec.model_validate(rule_document(pattern))

    assert isinstance(rule.pattern, kind)
    assert rule.event_types() == frozenset(rule.pattern.event_types())
    assert rule.event_types() <= set(CATALOGUE)


@pytest.mark.parametrize(
    ("value", "types", "where"),
    [
        ("social.care.started", (CARE_STARTED,), None),
        (CARE_STARTED, (CARE_STARTED,), None),
        ({"type": "social.care.started", "where": 'kind == "jeugd"'}, (CARE_STARTED,), 'kind == "jeugd"'),
        ({"types": ["social.care.*"]}, (CARE_ENDED, CARE_STARTED), None),
        ({"types": ["social.care.started", CARE_STARTED, "social.care.*"]}, (CARE_STARTED, CARE_ENDED), None),
        (
            {"types": ["*.enforcement.action"]},
            ("nl.wijkbrug.municipality.enforcement.action", "nl.wijkbrug.safety.enforcement.action"),
            None,
        ),
    ],
)
def test_matcher_forms(value: Any, types: tuple[str, ...], where: str | None) -> None:
    matcher = Matcher.model_validate(value)

    assert (matcher.types, matcher.where) == (types, where)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("housing.eviction.*", {"cancelled", "executed", "scheduled", "summoned"}),
        ("nl.wijkbrug.housing.eviction.*", {"cancelled", "executed", "scheduled", "summoned"}),
        ("housing.eviction.s*", {"scheduled", "summoned"}),
        ("*.enforcement.action", {"action"}),
        ("housing.repair.completed", {"completed"}),
    ],
)
def test_expand_types(name: str, expected: set[str]) -> None:
    types = expand_types(name)

    assert types == sorted(types)
    assert all(item in CATALOGUE for item in types)
    assert {item.rsplit(".", 1)[1] for item in types} == expected


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("housing.nothing.*", "matches no event type"),
        ("housing.eviction", "is not an event type"),
        ("social.debt_assistance.begun", "is not an event type"),
    ],
)
def test_expand_types_refuses(name: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        expand_types(name)


def test_an_interval_without_end_types_never_ends() -> None:
    interval = Interval.model_validate({"label": "open", "start": ["housing.eviction.executed"]})

    assert interval.end == ()
    assert interval.max_duration is None


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
        ({"dedup_key": "{rule}:{subject}:{data.permit_id}"}, "dedup_key", "kind overlap has no key fields"),
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
    ("pattern", "template", "words"),
    [
        (SINGLE, "{rule}:{subject}:{data.permit_id}", None),
        (SINGLE, "{rule}:{subject}:{data.initiative_id}", "list them under pattern.key"),
        (ABSENCE, "{rule}:{subject}:{data.permit_id}", None),
        (ABSENCE, "{rule}:{subject}:{data.outcome}", "name one as pattern.correlate"),
        (COUNTED_ABSENCE, "{rule}:{subject}:{data.permit_id}", "name one as pattern.correlate"),
        (PAIR, "{rule}:{subject}:{data.permit_id}", "kind pair has no key fields"),
        (DISTINCT, "{rule}:{subject}:{data.permit_id}", "kind distinct has no key fields"),
        (OVERLAP, "{rule}:{subject}:{data.permit_id}", "kind overlap has no key fields"),
        (OVERLAP, "{rule}/{buurt}/{subject}", None),
    ],
)
def test_data_placeholders_need_key_fields_of_the_pattern(
    pattern: dict[str, Any], template: str, words: str | None
) -> None:
    document = rule_document(pattern, dedup_key=template)
    if words is None:
        assert RuleSpec.model_validate(document).dedup_key == template
        return

    errors = errors_of(document)

    assert errors[0][0] == "dedup_key"
    assert words in errors[0][1]


def test_an_invalid_pattern_is_reported_without_a_second_dedup_key_error() -> None:
    pattern = {**PAIR, "within": "soon"}

    errors = errors_of(rule_document(pattern, dedup_key="{rule}:{subject}:{data.permit_id}"))

    assert [field for field, _ in errors] == ["pattern.pair.within"]


@pytest.mark.parametrize(
    ("where", "value", "field", "words"),
    [
        (
            ("first", "start"),
            ["social.debt_assistance.begun"],
            "pattern.overlap.first.start.0.types",
            "not an event type",
        ),
        (
            ("second", "end"),
            ["social.care.ended", "nl.wijkbrug.nope.nope.nope"],
            "pattern.overlap.second.end.1.types",
            "not an event type",
        ),
        (("first", "start"), [], "pattern.overlap.first.start", "at least 1"),
        (
            ("first", "start"),
            [{"type": "social.debt_assistance.started", "where": "reason =="}],
            "pattern.overlap.first.start.0.where",
            "not a valid CEL expression",
        ),
        (
            ("first", "start"),
            [{"type": "social.debt_assistance.started", "where": "eval(reason)"}],
            "pattern.overlap.first.start.0.where",
            "unknown function(s) eval",
        ),
        (
            ("first", "start"),
            [{"type": "social.debt_assistance.started", "where": '"yes"'}],
            "pattern.overlap.first.start.0.where",
            "not to a boolean",
        ),
        (
            ("first", "start"),
            [{"type": "social.debt_assistance.started", "wher": "true"}],
            "pattern.overlap.first.start.0.wher",
            "not permitted",
        ),
        (
            ("first", "start"),
            [{"type": "social.debt_assistance.started", "types": ["social.care.started"]}],
            "pattern.overlap.first.start.0",
            "either type or types",
        ),
        (
            ("first", "end"),
            ["social.debt_assistance.ended", "nl.wijkbrug.social.debt_assistance.started"],
            "pattern.overlap.first",
            "both start and end",
        ),
        (("first", "max_duration"), "forever", "pattern.overlap.first.max_duration", "is not a duration"),
    ],
)
def test_invalid_intervals(where: tuple[str, str], value: Any, field: str, words: str) -> None:
    document = rule_document()
    document["pattern"][where[0]][where[1]] = value

    errors = errors_of(document)

    assert errors[0][0] == field
    assert words in errors[0][1]


def test_a_type_may_start_and_end_a_state_when_conditions_tell_them_apart() -> None:
    interval = Interval.model_validate(
        {
            "label": "zorg",
            "start": [{"type": "social.care.started", "where": 'kind == "jeugd"'}],
            "end": [
                {"type": "social.care.started", "where": 'kind == "wmo"'},
                {"type": "social.care.ended", "where": 'kind == "jeugd"'},
            ],
        }
    )

    assert len(interval.end) == 2


def test_the_clashing_type_is_named() -> None:
    with pytest.raises(ValidationError, match=re.escape(DEBT_STARTED)):
        Interval.model_validate(
            {"label": "x", "start": [DEBT_STARTED], "end": ["social.debt_assistance.started"]}
        )


@pytest.mark.parametrize(
    ("pattern", "field", "words"),
    [
        ({**PAIR, "b": ["social.benefit.stopped"]}, "pattern.pair", "both a and b"),
        ({**PAIR, "within": "0d"}, "pattern.pair.within", "longer than zero"),
        ({**PAIR, "within": ...}, "pattern.pair.within", "required"),
        ({**DISTINCT, "at_least": 1}, "pattern.distinct.at_least", "greater than or equal to 2"),
        ({**DISTINCT, "at_least": 21}, "pattern.distinct.at_least", "less than or equal to 20"),
        ({**DISTINCT, "by": "type"}, "pattern.distinct.by", "'org'"),
        (
            {**COUNTED_ABSENCE, "trigger": {"events": ["municipality.report.created"], "count": 3}},
            "pattern.absence.trigger",
            "needs a window",
        ),
        ({**ABSENCE, "followup": ["municipality.permit.*"]}, "pattern.absence", "both trigger and follow up"),
        ({**ABSENCE, "correlate": "Permit Id"}, "pattern.absence.correlate", "should match pattern"),
        ({**SINGLE, "key": ["permit-id"]}, "pattern.single.key", "not a data field name"),
        ({**SINGLE, "events": []}, "pattern.single.events", "at least 1"),
    ],
)
def test_invalid_patterns(pattern: dict[str, Any], field: str, words: str) -> None:
    document = rule_document({key: value for key, value in pattern.items() if value is not ...})

    errors = errors_of(document)

    assert errors[0][0] == field
    assert words in errors[0][1]


def test_an_unknown_pattern_kind_is_refused() -> None:
    errors = errors_of(rule_document({**OVERLAP, "kind": "sequence"}))

    assert errors[0][0] == "pattern"
    assert all(kind in errors[0][1] for kind in ("overlap", "pair", "distinct", "absence", "single"))


@pytest.mark.parametrize("template", ["{rule}:{subject}", "{subject}/{rule}/{buurt}", "{rule}|{subject}|x"])
def test_valid_dedup_key_templates(template: str) -> None:
    assert RuleSpec.model_validate(rule_document(dedup_key=template)).dedup_key == template


def test_template_fields() -> None:
    assert template_fields("{rule}:{subject}:{data.permit_id}") == {"rule", "subject", "data.permit_id"}
    with pytest.raises(ValueError, match="not a valid template"):
        template_fields("{rule")


def test_the_signature_is_what_decides_the_matches() -> None:
    rule = RuleSpec.model_validate(rule_document(PAIR))
    renamed = RuleSpec.model_validate(
        rule_document(
            PAIR, id="another-rule", title="Andere titel", severity="high", policies=[], description="x"
        )
    )
    same_in_other_words = RuleSpec.model_validate(
        rule_document({**PAIR, "within": "P90D", "a": ["nl.wijkbrug.social.benefit.stopped"]})
    )

    assert rule.signature() == renamed.signature() == same_in_other_words.signature()
    for change in (
        {"subjects": ["hh", "loc"]},
        {"dedup_key": "{rule}:{subject}:{buurt}"},
    ):
        assert RuleSpec.model_validate(rule_document(PAIR, **change)).signature() != rule.signature()
    assert RuleSpec.model_validate(rule_document({**PAIR, "within": "91d"})).signature() != rule.signature()


@pytest.mark.parametrize(
    ("pattern", "window"),
    [
        (OVERLAP, timedelta(0)),
        (SINGLE, timedelta(0)),
        (PAIR, timedelta(days=90)),
        (DISTINCT, timedelta(days=180)),
        (ABSENCE, timedelta(days=56)),
        (COUNTED_ABSENCE, timedelta(days=44)),
    ],
)
def test_longest_window(pattern: dict[str, Any], window: timedelta) -> None:
    assert longest_window(RuleSpec.model_validate(rule_document(pattern))) == window


def test_a_rule_is_immutable() -> None:
    rule = RuleSpec.model_validate(rule_document())

    with pytest.raises(ValidationError):
        rule.severity = "high"  # type: ignore[misc]
