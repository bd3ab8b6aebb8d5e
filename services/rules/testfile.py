"""Rule test files: events in, expected escalations out, so that a rule author can test a rule.

```yaml
rule: benefit-stop-after-arrears        # the rule under test (expectations are about this rule)
defaults: {subject: "hh:household-1", buurt: BU0363AE01}
cases:
  - name: benefit stopped 30 days after the arrears signal
    events:                             # in the order they arrive; ids default to e1, e2, ...
      - {org: woco, type: housing.arrears.signalled, time: 2026-01-10,
         data: {months_in_arrears: 2, amount_eur: 900}}
      - {org: gemeente, type: social.benefit.stopped, time: 2026-02-09}
    until: 2026-06-01                   # optional: the replay's clock at the end (for absence rules)
    expect:                             # every escalation of the rule that stands at the end; [] for none
      - {opened_at: 2026-02-09, evidence: [e1, e2]}
```
An event's `source` is `urn:nl:wijkbrug:org:<org>`; `time` and `opened_at` take a date (midnight UTC) or an
RFC 3339 time; an expectation may also name `subject`, `buurt` and `dedup_key`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from schemas.identifiers import BUURTCODE_RE, ORG_SLUG_RE, SUBJECT_RE, source_for
from services.rules.engine import RuleEngine
from services.rules.errors import RuleFileError
from services.rules.model import RuleSpec, expand_types
from services.rules.replay import Replay, clash_document

TEST_SUFFIX = ".test.yaml"


def _moment(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, str):
        text = value.strip()
        if len(text) == 10:
            return datetime.fromisoformat(text).replace(tzinfo=UTC)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            raise ValueError("a time needs an offset (Z or +01:00)")
        return moment
    raise ValueError("expected a date or an RFC 3339 time")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RuleTestEvent(_Strict):
    """An event of a test case (the catalogue type, with or without `nl.wijkbrug.`)."""

    org: str = Field(pattern=ORG_SLUG_RE.pattern)
    type: str
    time: datetime
    id: str | None = None
    subject: str | None = Field(default=None, pattern=SUBJECT_RE.pattern)
    buurt: str | None = Field(default=None, pattern=BUURTCODE_RE.pattern)
    data: dict[str, Any] = Field(default_factory=dict)

    @field_validator("type")
    @classmethod
    def _catalogue(cls, name: str) -> str:
        types = expand_types(name)
        if len(types) != 1:
            raise ValueError("a test event has one type, not a wildcard")
        return types[0]

    @field_validator("time", mode="before")
    @classmethod
    def _time(cls, value: Any) -> datetime:
        return _moment(value)


class Expectation(_Strict):
    """An escalation that must stand at the end of a case."""

    subject: str | None = None
    buurt: str | None = None
    dedup_key: str | None = None
    opened_at: datetime | None = None
    evidence: list[str] | None = None

    @field_validator("opened_at", mode="before")
    @classmethod
    def _time(cls, value: Any) -> datetime | None:
        return None if value is None else _moment(value)


class Defaults(_Strict):
    subject: str = Field(default="hh:test-subject-1", pattern=SUBJECT_RE.pattern)
    buurt: str = Field(default="BU0363AE01", pattern=BUURTCODE_RE.pattern)


class Case(_Strict):
    """One scenario."""

    name: str = Field(min_length=1)
    events: list[RuleTestEvent]
    until: datetime | None = None
    expect: list[Expectation]

    @field_validator("until", mode="before")
    @classmethod
    def _time(cls, value: Any) -> datetime | None:
        return None if value is None else _moment(value)


class RuleTestFile(_Strict):
    """A rule test file."""

    rule: str
    defaults: Defaults = Field(default_factory=Defaults)
    cases: list[Case] = Field(min_length=1)


@dataclass(frozen=True)
class CaseResult:
    """The outcome of one case."""

    file: str
    rule: str
    case: str
    passed: bool
    problems: tuple[str, ...]
    found: tuple[dict[str, Any], ...]


def load_test_file(path: Path) -> RuleTestFile:
    """Parse and validate a test file; errors name the file and the field."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise RuleFileError(path, f"is not valid YAML: {exc}") from exc
    try:
        return RuleTestFile.model_validate(document)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        raise RuleFileError(path, first["msg"], field=field) from exc


def case_events(test: RuleTestFile, case: Case) -> list[dict[str, Any]]:
    """The CloudEvents of a case, in arrival order."""
    events = []
    for number, event in enumerate(case.events, start=1):
        document = {
            "specversion": "1.0",
            "id": event.id or f"e{number}",
            "source": source_for(event.org),
            "type": event.type,
            "time": event.time.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "subject": event.subject or test.defaults.subject,
            "buurt": event.buurt or test.defaults.buurt,
            "data": _plain(event.data),
        }
        events.append(document)
    return events


def _plain(value: Any) -> Any:
    """YAML values as JSON has them: dates (YAML reads 2026-04-01 as a date) become ISO text."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return value


def run_case(
    engine: RuleEngine,
    test: RuleTestFile,
    case: Case,
    *,
    file: str = "",
    events: Sequence[dict[str, Any]] | None = None,
) -> CaseResult:
    """Replay a case and compare the rule's escalations with the expectations."""
    replay = Replay(engine)
    for event in events if events is not None else case_events(test, case):
        replay.feed(event)
    found = [clash_document(clash) for clash in replay.finish(case.until) if clash.rule == test.rule]
    problems = compare(test, case, found)
    return CaseResult(file, test.rule, case.name, not problems, tuple(problems), tuple(found))


def compare(test: RuleTestFile, case: Case, found: Sequence[dict[str, Any]]) -> list[str]:
    """What differs between the found escalations and the case's expectations (empty if nothing)."""
    remaining = list(found)
    problems: list[str] = []
    for number, expected in enumerate(case.expect, start=1):
        match = next((item for item in remaining if _fits(test, expected, item)), None)
        if match is None:
            problems.append(f"expected escalation {number} ({_describe(test, expected)}) was not found")
        else:
            remaining.remove(match)
    problems.extend(f"unexpected escalation {e['dedup_key']} opened {e['opened_at']}" for e in remaining)
    return problems


def _fits(test: RuleTestFile, expected: Expectation, item: dict[str, Any]) -> bool:
    subject = expected.subject or test.defaults.subject
    if item["subject"] != subject:
        return False
    if expected.buurt is not None and item["buurt"] != expected.buurt:
        return False
    if expected.dedup_key is not None and item["dedup_key"] != expected.dedup_key:
        return False
    if expected.opened_at is not None:
        opened = datetime.fromisoformat(item["opened_at"].replace("Z", "+00:00"))
        if opened != expected.opened_at:
            return False
    return expected.evidence is None or sorted(e["id"] for e in item["evidence"]) == sorted(expected.evidence)


def _describe(test: RuleTestFile, expected: Expectation) -> str:
    parts = [f"subject {expected.subject or test.defaults.subject}"]
    if expected.opened_at is not None:
        parts.append(f"opened {expected.opened_at.isoformat()}")
    if expected.evidence is not None:
        parts.append(f"evidence {', '.join(expected.evidence)}")
    return ", ".join(parts)


def run_test_files(rules: Sequence[RuleSpec], paths: Iterable[Path]) -> list[CaseResult]:
    """Run every case of every file against the pack `rules`; a file about an unknown rule is an error."""
    engine = RuleEngine(rules)
    known = {rule.id for rule in rules}
    results: list[CaseResult] = []
    for path in paths:
        test = load_test_file(path)
        if test.rule not in known:
            raise RuleFileError(path, f"tests rule {test.rule!r}, which is not in the pack", field="rule")
        results.extend(run_case(engine, test, case, file=str(path)) for case in test.cases)
    return results


def rule_test_files(directory: Path) -> list[Path]:
    """The test files of a rule directory (in `tests/`, named `*.test.yaml`)."""
    folder = directory / "tests"
    return sorted(folder.glob(f"*{TEST_SUFFIX}")) if folder.is_dir() else []
