"""`wijkbrug rules schema|check|test|backtest` as a rule author uses them."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from services.cli.main import cli
from services.rules.loader import default_pack_dir


def run(*args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), input=stdin)
    return result.exit_code, result.output


def test_the_rule_schema_accepts_every_rule_of_the_pack_and_refuses_a_broken_one() -> None:
    code, output = run("rules", "schema")
    assert code == 0
    schema = json.loads(output)
    validator = jsonschema.Draft202012Validator(schema)
    for path in sorted(default_pack_dir().glob("*.yaml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert not list(validator.iter_errors(document)), path.name
    broken = yaml.safe_load(
        (default_pack_dir() / "benefit-stop-after-arrears.yaml").read_text(encoding="utf-8")
    )
    broken["pattern"]["within"] = "ninety days"
    broken["severity"] = "urgent"
    assert len(list(validator.iter_errors(broken))) == 2


def test_check_and_test_the_shipped_pack() -> None:
    code, output = run("rules", "check", str(default_pack_dir()))
    assert code == 0, output
    assert "7 rule(s) valid" in output and "7 test file(s) valid" in output

    code, output = run("rules", "test")
    assert code == 0, output
    assert output.strip().endswith("48 passed, 0 failed")


def test_a_failing_case_fails_the_command(tmp_path: Path) -> None:
    case = tmp_path / "wrong.test.yaml"
    case.write_text(
        "rule: benefit-stop-after-arrears\n"
        "cases:\n"
        "  - name: claims a clash where there is none\n"
        "    events:\n"
        "      - {org: woco, type: housing.arrears.signalled, time: 2026-01-01,"
        " data: {months_in_arrears: 2, amount_eur: 9}}\n"
        "    expect:\n"
        "      - {opened_at: 2026-01-01}\n",
        encoding="utf-8",
    )
    code, output = run("rules", "test", str(case))
    assert code == 1
    assert "FAIL benefit-stop-after-arrears: claims a clash where there is none" in output
    assert "was not found" in output


@pytest.mark.parametrize("until", [None, "2026-05-01"])
def test_backtest_prints_one_escalation_per_line(tmp_path: Path, until: str | None) -> None:
    lines = [
        json.dumps(
            {
                "specversion": "1.0",
                "id": f"r{number}",
                "source": "urn:nl:wijkbrug:org:gemeente",
                "type": "nl.wijkbrug.municipality.report.created",
                "time": f"2026-03-0{day}T00:00:00Z",
                "subject": "loc:plein-12345",
                "buurt": "BU0363AD05",
                "data": {"category": "afval", "external_id": str(number), "state": "m"},
            }
        )
        for number, day in ((1, 1), (2, 5), (3, 9))
    ]
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    code, output = run("rules", "backtest", str(path), *(["--until", until] if until else []))

    assert code == 0, output
    escalations = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    if until is None:
        assert escalations == []  # the replayed clock never passes the deadline (2026-03-23)
        return
    (escalation,) = escalations
    assert {key: escalation[key] for key in ("rule", "subject", "buurt", "dedup_key", "opened_at")} == {
        "rule": "report-without-followup",
        "subject": "loc:plein-12345",
        "buurt": "BU0363AD05",
        "dedup_key": "report-without-followup:loc:plein-12345",
        "opened_at": "2026-03-23T00:00:00Z",
    }
    assert [item["id"] for item in escalation["evidence"]] == ["r1", "r2", "r3"]


def test_backtest_names_the_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text('{"id": "x"}\nnot json\n', encoding="utf-8")
    code, output = run("rules", "backtest", str(path))
    assert code == 1
    assert ":1: missing" in output
