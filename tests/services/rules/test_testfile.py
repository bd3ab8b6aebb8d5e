"""Rule test files: the format, the runner's verdicts, and the shipped pack's own test files."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml

from services.rules.engine import RuleEngine
from services.rules.errors import RuleFileError
from services.rules.loader import default_pack_dir, load_rules
from services.rules.testfile import (
    case_events,
    load_test_file,
    rule_test_files,
    run_case,
    run_test_files,
)

PACK = load_rules()
RULE = "benefit-stop-after-arrears"
ARREARS = {
    "org": "woco",
    "type": "housing.arrears.signalled",
    "time": "2026-01-10",
    "data": {"months_in_arrears": 2, "amount_eur": 900},
}
STOP = {"org": "gemeente", "type": "nl.wijkbrug.social.benefit.stopped", "time": "2026-02-09T10:00:00+01:00"}


def file_document(*cases: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {"rule": RULE, "cases": list(cases), **changes}


def case(
    *events: dict[str, Any], expect: list[dict[str, Any]] | None = None, **changes: Any
) -> dict[str, Any]:
    return {
        "name": "a case",
        "events": list(events),
        "expect": expect if expect is not None else [],
        **changes,
    }


def write(directory: Path, document: Any, name: str = "rule.test.yaml") -> Path:
    path = directory / name
    path.write_text(document if isinstance(document, str) else yaml.safe_dump(document), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def engine() -> RuleEngine:
    return RuleEngine(PACK)


# ---------------------------------------------------------------------------------------------------
# the format


def test_events_become_cloudevents_with_defaults(tmp_path: Path) -> None:
    other = {
        **ARREARS,
        "id": "own-id",
        "subject": "hh:other-household",
        "buurt": "BU0363NA01",
        "time": "2026-03-01T09:30:00Z",
    }
    test = load_test_file(write(tmp_path, file_document(case(ARREARS, STOP, other))))

    first, second, third = case_events(test, test.cases[0])

    assert first == {
        "specversion": "1.0",
        "id": "e1",
        "source": "urn:nl:wijkbrug:org:woco",
        "type": "nl.wijkbrug.housing.arrears.signalled",
        "time": "2026-01-10T00:00:00Z",
        "subject": "hh:test-subject-1",
        "buurt": "BU0363AE01",
        "data": {"months_in_arrears": 2, "amount_eur": 900},
    }
    assert (second["id"], second["type"], second["time"], second["data"]) == (
        "e2",
        "nl.wijkbrug.social.benefit.stopped",
        "2026-02-09T09:00:00Z",
        {},
    )
    assert (third["id"], third["subject"], third["buurt"], third["time"]) == (
        "own-id",
        "hh:other-household",
        "BU0363NA01",
        "2026-03-01T09:30:00Z",
    )


def test_defaults_of_the_file_apply_to_every_case(tmp_path: Path) -> None:
    document = file_document(
        case(ARREARS), case(STOP), defaults={"subject": "hh:household-x1", "buurt": "BU0363TB01"}
    )
    test = load_test_file(write(tmp_path, document))

    assert {(event["subject"], event["buurt"]) for c in test.cases for event in case_events(test, c)} == {
        ("hh:household-x1", "BU0363TB01")
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-01-10", datetime(2026, 1, 10, tzinfo=UTC)),
        ("2026-01-10T08:00:00Z", datetime(2026, 1, 10, 8, tzinfo=UTC)),
        ("2026-01-10T08:00:00+01:00", datetime(2026, 1, 10, 7, tzinfo=UTC)),
    ],
)
def test_dates_are_midnight_utc_and_times_keep_their_offset(
    tmp_path: Path, value: str, expected: datetime
) -> None:
    document = file_document(case({**ARREARS, "time": value}, until=value, expect=[{"opened_at": value}]))
    test = load_test_file(write(tmp_path, document))

    (item,) = test.cases
    assert item.events[0].time == expected
    assert item.until == expected
    assert item.expect[0].opened_at == expected
    assert item.events[0].time.utcoffset() is not None


def test_unquoted_yaml_dates_and_times_are_read_the_same(tmp_path: Path) -> None:
    text = (
        f"rule: {RULE}\n"
        "cases:\n"
        "  - name: unquoted\n"
        "    events:\n"
        "      - {org: woco, type: housing.arrears.signalled, time: 2026-01-10}\n"
        "      - {org: gemeente, type: social.benefit.stopped, time: 2026-02-09T10:00:00+01:00}\n"
        "    until: 2026-06-01\n"
        "    expect: []\n"
    )
    (item,) = load_test_file(write(tmp_path, text)).cases

    assert [event.time for event in item.events] == [
        datetime(2026, 1, 10, tzinfo=UTC),
        datetime(2026, 2, 9, 10, tzinfo=timezone(timedelta(hours=1))),
    ]
    assert item.until == datetime(2026, 6, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("document", "field", "words"),
    [
        (
            file_document(case({**ARREARS, "time": "2026-01-10T08:00:00"})),
            "cases.0.events.0.time",
            "needs an offset",
        ),
        (file_document(case({**ARREARS, "time": "gisteren"})), "cases.0.events.0.time", "isoformat"),
        (
            file_document(case(ARREARS, {**STOP, "type": "social.benefit.halted"})),
            "cases.0.events.1.type",
            "not an event type",
        ),
        (
            file_document(case({**ARREARS, "type": "housing.eviction.*"})),
            "cases.0.events.0.type",
            "one type, not a wildcard",
        ),
        (file_document(case({**ARREARS, "org": "Woco BV"})), "cases.0.events.0.org", "should match pattern"),
        (
            file_document(case({**ARREARS, "subject": "bsn:123"})),
            "cases.0.events.0.subject",
            "should match pattern",
        ),
        (file_document(case({**ARREARS, "colour": "red"})), "cases.0.events.0.colour", "not permitted"),
        (
            file_document(case(ARREARS, expect=[{"opened": "2026-01-01"}])),
            "cases.0.expect.0.opened",
            "not permitted",
        ),
        (file_document(), "cases", "at least 1"),
        ({"cases": [case(ARREARS)]}, "rule", "required"),
        (file_document(case(ARREARS), defaults={"buurt": "BU1"}), "defaults.buurt", "should match pattern"),
        (file_document({"name": "", "events": [], "expect": []}), "cases.0.name", "at least 1"),
    ],
)
def test_errors_name_the_file_and_the_field(
    tmp_path: Path, document: dict[str, Any], field: str, words: str
) -> None:
    path = write(tmp_path, document)

    with pytest.raises(RuleFileError) as caught:
        load_test_file(path)

    assert (caught.value.path, caught.value.field) == (str(path), field)
    assert str(caught.value).startswith(f"{path}: field '{field}'")
    assert words in str(caught.value)


def test_a_file_that_is_not_yaml_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, "rule: [unclosed\n")

    with pytest.raises(RuleFileError, match="is not valid YAML") as caught:
        load_test_file(path)

    assert caught.value.path == str(path)


# ---------------------------------------------------------------------------------------------------
# the runner


def run(engine: RuleEngine, tmp_path: Path, the_case: dict[str, Any]) -> tuple[bool, tuple[str, ...]]:
    test = load_test_file(write(tmp_path, file_document(the_case)))
    result = run_case(engine, test, test.cases[0], file="x.test.yaml")
    assert (result.file, result.rule, result.case) == ("x.test.yaml", RULE, "a case")
    return result.passed, result.problems


KEY = f"{RULE}:hh:test-subject-1"


@pytest.mark.parametrize(
    ("expect", "problems"),
    [
        ([{"opened_at": "2026-02-09T09:00:00Z", "evidence": ["e2", "e1"]}], ()),
        ([{"dedup_key": KEY, "buurt": "BU0363AE01", "subject": "hh:test-subject-1"}], ()),
        ([{}], ()),
        (
            [],
            (f"unexpected escalation {KEY} opened 2026-02-09T09:00:00Z",),
        ),
        (
            [{"opened_at": "2026-02-10"}],
            (
                "expected escalation 1 (subject hh:test-subject-1, opened 2026-02-10T00:00:00+00:00) "
                "was not found",
                f"unexpected escalation {KEY} opened 2026-02-09T09:00:00Z",
            ),
        ),
        (
            [{"evidence": ["e1"]}],
            (
                "expected escalation 1 (subject hh:test-subject-1, evidence e1) was not found",
                f"unexpected escalation {KEY} opened 2026-02-09T09:00:00Z",
            ),
        ),
        (
            [{}, {"subject": "hh:other-household"}],
            ("expected escalation 2 (subject hh:other-household) was not found",),
        ),
        (
            [{"buurt": "BU0363NA01"}],
            (
                "expected escalation 1 (subject hh:test-subject-1) was not found",
                f"unexpected escalation {KEY} opened 2026-02-09T09:00:00Z",
            ),
        ),
    ],
    ids=[
        "matches",
        "matches-on-key-buurt-subject",
        "matches-on-nothing-in-particular",
        "unexpected",
        "wrong-opening",
        "wrong-evidence",
        "missing-second",
        "wrong-buurt",
    ],
)
def test_run_case_reports_missing_and_unexpected_escalations(
    engine: RuleEngine, tmp_path: Path, expect: list[dict[str, Any]], problems: tuple[str, ...]
) -> None:
    passed, found = run(engine, tmp_path, case(ARREARS, STOP, expect=expect))

    assert (passed, found) == (not problems, problems)


def test_only_the_rule_under_test_counts(engine: RuleEngine, tmp_path: Path) -> None:
    """The events also make another rule of the pack clash (three organisations intervene)."""
    police = {
        "org": "politie",
        "type": "safety.enforcement.action",
        "time": "2026-02-20",
        "data": {"measure": "x"},
    }

    assert run(engine, tmp_path, case(ARREARS, STOP, police, expect=[{}])) == (True, ())


def test_until_lets_deadlines_pass(engine: RuleEngine, tmp_path: Path) -> None:
    request = {
        "org": "gemeente",
        "type": "municipality.permit.requested",
        "time": "2026-01-05",
        "subject": "ini:speeltuin-0001",
        "data": {"permit_id": "OLO-1", "permit_type": "evenement", "initiative_id": "BI-1"},
    }
    expected = {"subject": "ini:speeltuin-0001", "opened_at": "2026-03-02", "evidence": ["e1"]}
    results = {}
    for until in ("2026-03-01", "2026-03-02"):
        document = {
            "rule": "initiative-no-decision",
            "cases": [case(request, until=until, expect=[expected])],
        }
        test = load_test_file(write(tmp_path, document))
        results[until] = run_case(engine, test, test.cases[0]).passed

    assert results == {"2026-03-01": False, "2026-03-02": True}


def test_a_file_about_a_rule_outside_the_pack_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, {**file_document(case(ARREARS)), "rule": "no-such-rule"})

    with pytest.raises(RuleFileError) as caught:
        run_test_files(PACK, [path])

    assert (caught.value.path, caught.value.field) == (str(path), "rule")
    assert "no-such-rule" in str(caught.value)


def test_rule_test_files_are_the_test_yaml_files_in_tests(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    for name in ("b.test.yaml", "a.test.yaml", "notes.yaml", "c.test.yml"):
        (tmp_path / "tests" / name).write_text("", encoding="utf-8")

    assert [path.name for path in rule_test_files(tmp_path)] == ["a.test.yaml", "b.test.yaml"]
    assert rule_test_files(tmp_path / "tests") == []


# ---------------------------------------------------------------------------------------------------
# the shipped pack


def test_every_case_of_the_shipped_pack_passes() -> None:
    results = run_test_files(PACK, rule_test_files(default_pack_dir()))

    failed = [
        f"{result.file}: {result.case}: {'; '.join(result.problems)}"
        for result in results
        if not result.passed
    ]
    assert failed == []
    assert len(results) >= 48


def test_every_rule_of_the_shipped_pack_has_a_positive_case_and_a_near_miss() -> None:
    kinds: dict[str, set[str]] = defaultdict(set)
    for path in rule_test_files(default_pack_dir()):
        test = load_test_file(path)
        for item in test.cases:
            kinds[test.rule].add("positive" if item.expect else "near miss")

    assert {rule.id: kinds[rule.id] for rule in PACK} == {rule.id: {"positive", "near miss"} for rule in PACK}
