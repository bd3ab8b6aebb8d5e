"""`wijkbrug rules list|check|test|backtest`: the rule pack, its tests, and replays without a broker."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from services.cli.common import domain_errors, emit_json, load_settings
from services.rules.engine import RuleEngine
from services.rules.loader import default_pack_dir, load_rules
from services.rules.model import RuleSpec
from services.rules.replay import Replay, read_events, write_clash_lines
from services.rules.testfile import load_test_file, rule_test_files, run_test_files

RULES_OPTION = click.option(
    "--rules",
    "rules_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="A directory of rule files (default: WIJKBRUG_RULES_DIR, else the shipped pack).",
)


def _rules_dir(rules_dir: Path | None) -> Path:
    return rules_dir or load_settings().rules_dir or default_pack_dir()


@click.group()
def rules() -> None:
    """The rule pack: list it, check it, test it, replay events through it."""


@rules.command("list")
@RULES_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@domain_errors
def rules_list(rules_dir: Path | None, as_json: bool) -> None:
    """The rules of the pack in use."""
    pack = load_rules(_rules_dir(rules_dir))
    if as_json:
        emit_json(
            [{"id": r.id, "severity": r.severity, "kind": r.pattern.kind, "title": r.title} for r in pack]
        )
        return
    for rule in pack:
        click.echo(f"{rule.id}\t{rule.severity}\t{rule.pattern.kind}\t{rule.title}")


@rules.command("check")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@domain_errors
def rules_check(directory: Path) -> None:
    """Validate every rule file of DIRECTORY (and the syntax of its tests/*.test.yaml)."""
    pack = load_rules(directory)
    tests = rule_test_files(directory)
    for path in tests:
        load_test_file(path)
    click.echo(
        f"{len(pack)} rule(s) valid: {', '.join(rule.id for rule in pack)}; {len(tests)} test file(s) valid"
    )


@rules.command("schema")
@domain_errors
def rules_schema() -> None:
    """Print the JSON Schema of a rule file."""
    schema = RuleSpec.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "wijkbrug rule"
    sys.stdout.write(json.dumps(schema, indent=2, ensure_ascii=False) + "\n")


@rules.command("test")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@RULES_OPTION
@domain_errors
def rules_test(files: tuple[Path, ...], rules_dir: Path | None) -> None:
    """Run rule test files (default: the tests/ of the rule directory) and report each case."""
    directory = _rules_dir(rules_dir)
    paths = list(files) or rule_test_files(directory)
    if not paths:
        raise click.ClickException(f"no test files: give FILES or put *.test.yaml in {directory / 'tests'}")
    results = run_test_files(load_rules(directory), paths)
    failed = [result for result in results if not result.passed]
    for result in results:
        click.echo(f"{'ok  ' if result.passed else 'FAIL'} {result.rule}: {result.case}")
        for problem in result.problems:
            click.echo(f"       {problem}")
    click.echo(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    if failed:
        raise SystemExit(1)


@rules.command("backtest")
@click.argument("events", type=click.Path(exists=True, dir_okay=False, allow_dash=True, path_type=Path))
@RULES_OPTION
@click.option(
    "--until",
    type=click.DateTime(formats=["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d"]),
    default=None,
    help="Close the replay at this time: absence deadlines up to then fire.",
)
@domain_errors
def rules_backtest(events: Path, rules_dir: Path | None, until: datetime | None) -> None:
    """Replay CloudEvents (one JSON per line) through the rule engine, no broker; one escalation per line."""
    engine = RuleEngine(load_rules(_rules_dir(rules_dir)))
    replay = Replay(engine)
    if until is not None and until.tzinfo is None:
        until = until.replace(tzinfo=UTC)
    source = sys.stdin if str(events) == "-" else events.open(encoding="utf-8")
    try:
        for event in read_events(source, str(events)):
            replay.feed(event)
    finally:
        if source is not sys.stdin:
            source.close()
    written = write_clash_lines(replay.finish(until), sys.stdout.buffer)
    sys.stdout.buffer.flush()
    stats = replay.stats
    click.echo(
        f"{stats.events} events ({stats.ignored} for no rule, {stats.too_late} too late), "
        f"{written} escalation(s)",
        err=True,
    )
