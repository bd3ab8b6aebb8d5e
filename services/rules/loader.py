"""Loading rule packs: the default pack shipped in the package, or a municipality's own directory."""

from __future__ import annotations

from collections.abc import Sequence
from importlib.resources import files
from pathlib import Path

import yaml
from pydantic import ValidationError

from services.rules.errors import RuleFileError, RulePackError
from services.rules.model import RuleSpec

RULE_SUFFIXES = (".yaml", ".yml")
PATTERN_KINDS = frozenset({"overlap", "pair", "distinct", "absence", "single"})


def default_pack_dir() -> Path:
    """The directory of the default rule pack inside the package."""
    return Path(str(files("services.rules") / "packs" / "default"))


def load_rules(directory: Path | None = None) -> list[RuleSpec]:
    """Every rule in `directory` (default: the shipped pack), sorted by id; errors name file, rule, field."""
    source = directory if directory is not None else default_pack_dir()
    if not source.is_dir():
        raise RuleFileError(source, "is not a directory of rule files")
    entries = sorted(
        (entry for entry in source.iterdir() if entry.name.endswith(RULE_SUFFIXES)), key=lambda e: e.name
    )
    rules: list[RuleSpec] = []
    seen: dict[str, str] = {}
    for entry in entries:
        rule = load_rule_text(entry.read_text(encoding="utf-8"), str(entry))
        if rule.id in seen:
            raise RulePackError(f"rule id {rule.id!r} is defined twice: in {seen[rule.id]} and in {entry}")
        seen[rule.id] = str(entry)
        rules.append(rule)
    if not rules:
        raise RuleFileError(str(source), "contains no rule files (*.yaml)")
    return sorted(rules, key=lambda rule: rule.id)


def load_rule_text(text: str, path: str) -> RuleSpec:
    """Parse and validate one rule document."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RuleFileError(path, f"is not valid YAML: {exc}") from exc
    if not isinstance(document, dict):
        raise RuleFileError(path, "must hold one rule as a mapping (id, title, severity, pattern, ...)")
    rule_id = document.get("id") if isinstance(document.get("id"), str) else None
    try:
        return RuleSpec.model_validate(document)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"] if not _is_union_tag(part))
        more = len(exc.errors()) - 1
        suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        raise RuleFileError(path, f"{first['msg']}{suffix}", rule=rule_id, field=field or None) from exc


def _is_union_tag(part: object) -> bool:
    # pydantic puts the discriminator value into the error location ("pattern.overlap.first").
    return part in PATTERN_KINDS


def rule_ids(rules: Sequence[RuleSpec]) -> list[str]:
    """The ids of `rules`, in order."""
    return [rule.id for rule in rules]
