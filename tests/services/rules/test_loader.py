"""Loading rule packs: the shipped default pack and a municipality's own directory of YAML files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from services.rules.errors import RuleFileError, RulePackError
from services.rules.loader import default_pack_dir, load_rule_text, load_rules, rule_ids

DEFAULT_RULE = "eviction-during-debt-assistance"


def rule_document(rule_id: str = "own-rule", **changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "id": rule_id,
        "title": "Ontruiming tijdens zorg",
        "severity": "high",
        "subjects": ["hh"],
        "pattern": {
            "kind": "overlap",
            "first": {"label": "zorg", "start": ["social.care.started"], "end": ["social.care.ended"]},
            "second": {
                "label": "ontruiming",
                "start": ["housing.eviction.summoned"],
                "end": ["housing.eviction.executed", "housing.eviction.cancelled"],
            },
        },
    }
    document.update(changes)
    return document


def write(directory: Path, name: str, document: Any) -> Path:
    path = directory / name
    path.write_text(document if isinstance(document, str) else yaml.safe_dump(document), encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------------
# the default pack


def test_the_default_pack_loads() -> None:
    rules = load_rules()

    assert DEFAULT_RULE in rule_ids(rules)
    rule = next(rule for rule in rules if rule.id == DEFAULT_RULE)
    assert rule.severity == "high"
    assert [kind.value for kind in rule.subjects] == ["hh"]
    assert rule.dedup_key == "{rule}:{subject}"
    assert {policy.domain.value for policy in rule.policies} == {"housing", "social"}
    assert {
        "nl.wijkbrug.social.debt_assistance.started",
        "nl.wijkbrug.housing.eviction.summoned",
        "nl.wijkbrug.housing.eviction.scheduled",
    } <= rule.event_types()


#: PRODUCT.md, "Default rule pack": id -> (severity, pattern kind, subject kinds, dedup key).
PRODUCT_PACK = {
    "eviction-during-debt-assistance": ("high", "overlap", ["hh"], "{rule}:{subject}"),
    "house-closure-with-youth-care": ("high", "overlap", ["hh"], "{rule}:{subject}"),
    "benefit-stop-after-arrears": ("medium", "pair", ["hh"], "{rule}:{subject}"),
    "stacked-interventions": ("medium", "distinct", ["hh"], "{rule}:{subject}"),
    "report-without-followup": ("medium", "absence", ["loc"], "{rule}:{subject}"),
    "initiative-permit-refused": ("medium", "single", ["ini", "loc"], "{rule}:{subject}:{data.permit_id}"),
    "initiative-no-decision": ("medium", "absence", ["ini", "loc"], "{rule}:{subject}:{data.permit_id}"),
}


def test_the_default_pack_is_the_one_of_the_product() -> None:
    rules = load_rules()

    assert {
        rule.id: (rule.severity, rule.pattern.kind, [kind.value for kind in rule.subjects], rule.dedup_key)
        for rule in rules
    } == PRODUCT_PACK
    for rule in rules:
        assert len({policy.domain for policy in rule.policies}) >= 2, f"{rule.id} names the clashing policies"


def test_the_default_pack_is_sorted_by_id_with_unique_ids() -> None:
    ids = rule_ids(load_rules())

    assert ids == sorted(ids)
    assert len(ids) == len(set(ids))


def test_the_default_pack_directory_is_the_default() -> None:
    assert rule_ids(load_rules(default_pack_dir())) == rule_ids(load_rules())


# ---------------------------------------------------------------------------------------------------
# a municipality's own directory


def test_a_directory_of_rules(tmp_path: Path) -> None:
    write(tmp_path, "b.yaml", rule_document("zz-last-rule"))
    write(tmp_path, "a.yml", rule_document("aa-first-rule"))
    write(tmp_path, "README.md", "# not a rule")
    write(tmp_path, "notes.txt", "neither")

    assert rule_ids(load_rules(tmp_path)) == ["aa-first-rule", "zz-last-rule"]


def test_an_empty_directory_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, "README.md", "rules go here")

    with pytest.raises(RuleFileError) as caught:
        load_rules(tmp_path)

    assert str(tmp_path) in str(caught.value)
    assert "no rule files" in str(caught.value)


def test_a_path_that_is_not_a_directory_is_an_error(tmp_path: Path) -> None:
    single = write(tmp_path, "rule.yaml", rule_document())

    for path in (single, tmp_path / "missing"):
        with pytest.raises(RuleFileError) as caught:
            load_rules(path)
        assert str(path) in str(caught.value)
        assert "not a directory" in str(caught.value)


def test_duplicate_ids_across_two_files_name_both_files(tmp_path: Path) -> None:
    first = write(tmp_path, "one.yaml", rule_document("same-rule"))
    second = write(tmp_path, "two.yaml", rule_document("same-rule", title="Andere titel"))

    with pytest.raises(RulePackError) as caught:
        load_rules(tmp_path)

    message = str(caught.value)
    assert "same-rule" in message
    assert str(first) in message
    assert str(second) in message


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (
            lambda d: d["pattern"]["first"]["start"].__setitem__(0, "social.care.begun"),
            "pattern.first.start.0.types",
            "not an event type of the catalogue",
        ),
        (
            lambda d: d["pattern"]["second"]["end"].append("nl.wijkbrug.housing.eviction.postponed"),
            "pattern.second.end.2.types",
            "not an event type of the catalogue",
        ),
        (lambda d: d.pop("pattern"), "pattern", "required"),
        (lambda d: d.__setitem__("severity", "urgent"), "severity", "'low', 'medium' or 'high'"),
        (lambda d: d.__setitem__("dedup_key", "{rule}:{subject}:{permit}"), "dedup_key", "permit"),
        (lambda d: d.__setitem__("dedup_key", "{rule}:{buurt}"), "dedup_key", "{subject}"),
        (
            lambda d: d["pattern"]["first"]["end"].append("social.care.started"),
            "pattern.first",
            "both start and end",
        ),
        (lambda d: d.__setitem__("subjects", ["hh", "huishouden"]), "subjects.1", "'hh'"),
        (lambda d: d.__setitem__("titel", "typo"), "titel", "not permitted"),
        (
            lambda d: d["pattern"]["first"]["start"].__setitem__(
                0, {"type": "social.care.started", "where": "kind =="}
            ),
            "pattern.first.start.0.where",
            "not a valid CEL expression",
        ),
        (
            lambda d: d["pattern"].__setitem__("kind", "sequence"),
            "pattern",
            "does not match any of the expected tags",
        ),
        (
            lambda d: d.__setitem__(
                "pattern",
                {"kind": "pair", "a": ["social.benefit.stopped"], "b": ["housing.*"], "within": "3 maanden"},
            ),
            "pattern.within",
            "is not a duration",
        ),
        (
            lambda d: d.__setitem__(
                "pattern",
                {
                    "kind": "absence",
                    "trigger": {"events": ["municipality.report.created"], "count": 2},
                    "followup": ["*.enforcement.action"],
                    "within": "14d",
                },
            ),
            "pattern.trigger",
            "needs a window",
        ),
        (
            lambda d: d.__setitem__(
                "pattern", {"kind": "single", "events": ["safety.house_closure.ordered"], "key": ["A"]}
            ),
            "pattern.key",
            "not a data field name",
        ),
    ],
)
def test_an_invalid_rule_names_file_rule_and_field(
    tmp_path: Path, change: Any, field: str, words: str
) -> None:
    write(tmp_path, "good.yaml", rule_document("good-rule"))
    document = rule_document("broken-rule")
    change(document)
    path = write(tmp_path, "broken.yaml", document)

    with pytest.raises(RuleFileError) as caught:
        load_rules(tmp_path)

    error = caught.value
    assert (error.path, error.rule, error.field) == (str(path), "broken-rule", field)
    message = str(error)
    assert str(path) in message
    assert "'broken-rule'" in message
    assert f"'{field}'" in message
    assert words in message


@pytest.mark.parametrize("bad_id", ["Bad Id", "x", "ÿ-rule"])
def test_a_bad_id_is_named(tmp_path: Path, bad_id: str) -> None:
    path = write(tmp_path, "rule.yaml", rule_document(bad_id))

    with pytest.raises(RuleFileError) as caught:
        load_rules(tmp_path)

    assert (caught.value.path, caught.value.rule, caught.value.field) == (str(path), bad_id, "id")


def test_a_missing_id_names_the_file_and_field(tmp_path: Path) -> None:
    document = rule_document()
    del document["id"]
    path = write(tmp_path, "rule.yaml", document)

    with pytest.raises(RuleFileError) as caught:
        load_rules(tmp_path)

    assert (caught.value.path, caught.value.rule, caught.value.field) == (str(path), None, "id")


def test_several_problems_are_counted(tmp_path: Path) -> None:
    write(tmp_path, "rule.yaml", rule_document(severity="urgent", subjects=[], title=""))

    with pytest.raises(RuleFileError, match=r"and 2 more problems"):
        load_rules(tmp_path)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("id: broken\ntitle: [unclosed\n", "is not valid YAML"),
        ("id: a\n  title: wrong indent\n", "is not valid YAML"),
        ("id: one\n---\nid: two\n", "is not valid YAML"),
        ("- id: in-a-list\n", "must hold one rule as a mapping"),
        ("just a sentence\n", "must hold one rule as a mapping"),
        ("", "must hold one rule as a mapping"),
    ],
)
def test_a_file_that_is_not_one_yaml_mapping(tmp_path: Path, text: str, words: str) -> None:
    path = write(tmp_path, "rule.yaml", text)

    with pytest.raises(RuleFileError) as caught:
        load_rules(tmp_path)

    assert caught.value.path == str(path)
    assert str(caught.value).startswith(str(path))
    assert words in str(caught.value)


def test_load_rule_text_validates_one_document() -> None:
    rule = load_rule_text(yaml.safe_dump(rule_document("text-rule")), "inline.yaml")

    assert rule.id == "text-rule"
    with pytest.raises(RuleFileError, match=r"^inline\.yaml: rule 'text-rule': field 'severity'"):
        load_rule_text(yaml.safe_dump(rule_document("text-rule", severity="x")), "inline.yaml")


@pytest.mark.parametrize(
    ("pattern", "hint"),
    [
        (rule_document()["pattern"], "a pattern of kind overlap has no key fields"),
        (
            {
                "kind": "pair",
                "a": ["social.benefit.stopped"],
                "b": ["housing.arrears.signalled"],
                "within": "90d",
            },
            "a pattern of kind pair has no key fields",
        ),
        ({"kind": "single", "events": ["municipality.permit.decided"]}, "list them under pattern.key"),
    ],
)
def test_a_data_placeholder_that_the_pattern_cannot_fill_is_refused_at_load_time(
    tmp_path: Path, pattern: dict[str, Any], hint: str
) -> None:
    """It used to load, and the engine then failed with AttributeError on the rule's first clash."""
    path = write(
        tmp_path, "rule.yaml", rule_document(dedup_key="{rule}:{subject}:{data.permit_id}", pattern=pattern)
    )

    with pytest.raises(RuleFileError) as caught:
        load_rules(tmp_path)

    assert (caught.value.path, caught.value.rule, caught.value.field) == (str(path), "own-rule", "dedup_key")
    assert "{data.permit_id}" in str(caught.value)
    assert hint in str(caught.value)


def test_one_rule_of_each_kind_loads(tmp_path: Path) -> None:
    patterns: dict[str, dict[str, Any]] = {
        "overlap": rule_document()["pattern"],
        "pair": {
            "kind": "pair",
            "a": ["social.benefit.stopped"],
            "b": ["housing.arrears.signalled"],
            "within": "90d",
        },
        "distinct": {
            "kind": "distinct",
            "events": ["housing.eviction.*", "*.enforcement.action"],
            "at_least": 2,
            "within": "P26W",
        },
        "absence": {
            "kind": "absence",
            "trigger": {"events": ["municipality.permit.requested"]},
            "followup": ["municipality.permit.decided"],
            "correlate": "permit_id",
            "within": "56d",
        },
        "single": {
            "kind": "single",
            "events": [{"type": "municipality.permit.decided", "where": 'outcome == "refused"'}],
        },
    }
    for kind, pattern in patterns.items():
        write(tmp_path, f"{kind}.yaml", rule_document(f"own-{kind}", pattern=pattern))

    rules = load_rules(tmp_path)

    assert [(rule.id, rule.pattern.kind) for rule in rules] == sorted(
        (f"own-{kind}", kind) for kind in patterns
    )
