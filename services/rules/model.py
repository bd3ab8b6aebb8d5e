"""The rule file format: one YAML document per rule, validated by these models (and their JSON Schema).

A rule names the organisational policies that clash, how the clash is recognised (a pattern of one of
five kinds), its severity and its dedup key. Event types are catalogue names, with or without the
`nl.wijkbrug.` prefix, or a wildcard over the catalogue (`housing.eviction.*`, `*.enforcement.action`).
"""

from __future__ import annotations

import fnmatch
import re
import string
from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    ValidationInfo,
    field_validator,
    model_validator,
)

from schemas.catalogue import CATALOGUE
from schemas.identifiers import TYPE_PREFIX, Domain, SubjectKind
from services.rules.conditions import Condition, ConditionError
from services.rules.durations import Duration

RULE_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{2,79}$"
TEMPLATE_FIELDS = frozenset({"rule", "subject", "buurt"})
DATA_FIELD_PATTERN = r"^[a-z_][a-z0-9_]{0,63}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def expand_types(name: str) -> list[str]:
    """The catalogue types a name or wildcard stands for (full names); ValueError if none."""
    full = name if name.startswith(TYPE_PREFIX) else TYPE_PREFIX + name
    if any(char in full for char in "*?["):
        matched = sorted(type_name for type_name in CATALOGUE if fnmatch.fnmatchcase(type_name, full))
        if not matched:
            raise ValueError(f"{name!r} matches no event type of the catalogue")
        return matched
    if full not in CATALOGUE:
        raise ValueError(f"{name!r} is not an event type of the catalogue")
    return [full]


class Matcher(_Strict):
    """Events of one of `types` whose data satisfies `where` (a CEL expression over the data fields)."""

    types: tuple[str, ...] = Field(min_length=1)
    where: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        # "housing.arrears.signalled" or {type: ..., where: ...} or {types: [...], where: ...}
        if isinstance(value, str):
            return {"types": [value]}
        if isinstance(value, dict) and "type" in value:
            if "types" in value:
                raise ValueError("give either type or types, not both")
            rest = {key: item for key, item in value.items() if key != "type"}
            return {"types": [value["type"]], **rest}
        return value

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: GetJsonSchemaHandler) -> dict[str, Any]:
        # A matcher may also be written as a bare type name (or wildcard).
        full = handler(core_schema)
        one_type = {
            "type": "object",
            "properties": {"type": {"type": "string"}, "where": {"type": "string"}},
            "required": ["type"],
            "additionalProperties": False,
        }
        return {"anyOf": [{"type": "string", "description": "an event type or wildcard"}, one_type, full]}

    @field_validator("types")
    @classmethod
    def _expand(cls, names: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(full for name in names for full in expand_types(name)))

    @field_validator("where")
    @classmethod
    def _condition(cls, expression: str | None) -> str | None:
        if expression is not None:
            try:
                Condition(expression).check()
            except ConditionError as exc:
                raise ValueError(str(exc)) from exc
        return expression


Matchers = Annotated[tuple[Matcher, ...], Field(min_length=1)]


def _types(matchers: tuple[Matcher, ...]) -> set[str]:
    return {type_name for matcher in matchers for type_name in matcher.types}


class Policy(_Strict):
    """An organisational rule that takes part in the clash."""

    domain: Domain
    reference: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=2000)


class Interval(_Strict):
    """A state on a subject: started by a `start` event, ended by an `end` event or after `max_duration`."""

    label: str = Field(min_length=1, max_length=100)
    start: Matchers
    end: tuple[Matcher, ...] = ()
    max_duration: Duration | None = None

    @model_validator(mode="after")
    def _disjoint(self) -> Interval:
        both = _types(self.start) & _types(self.end)
        unconditional = [m for m in (*self.start, *self.end) if m.where is None and set(m.types) & both]
        if both and unconditional:
            raise ValueError(
                f"a type cannot both start and end the state unless conditions tell them apart: "
                f"{', '.join(sorted(both))}"
            )
        return self


class OverlapPattern(_Strict):
    """Two states on one subject active at the same time, whichever started first."""

    kind: Literal["overlap"]
    first: Interval
    second: Interval

    def event_types(self) -> set[str]:
        return _types((*self.first.start, *self.first.end, *self.second.start, *self.second.end))

    def key_fields(self) -> frozenset[str]:
        return frozenset()


class PairPattern(_Strict):
    """An `a` event and a `b` event on one subject within `within` of each other, in either order."""

    kind: Literal["pair"]
    a: Matchers
    b: Matchers
    within: Duration

    @model_validator(mode="after")
    def _distinct(self) -> PairPattern:
        both = _types(self.a) & _types(self.b)
        if both:
            raise ValueError(f"a type cannot be both a and b of a pair: {', '.join(sorted(both))}")
        return self

    def event_types(self) -> set[str]:
        return _types((*self.a, *self.b))

    def key_fields(self) -> frozenset[str]:
        return frozenset()


class DistinctPattern(_Strict):
    """Events of `at_least` distinct organisations on one subject within a sliding window."""

    kind: Literal["distinct"]
    events: Matchers
    at_least: int = Field(ge=2, le=20)
    within: Duration
    by: Literal["org"] = "org"

    def event_types(self) -> set[str]:
        return _types(self.events)

    def key_fields(self) -> frozenset[str]:
        return frozenset()


class Trigger(_Strict):
    """What starts the clock: an event, or the `count`-th event within `within`."""

    events: Matchers
    count: int = Field(default=1, ge=1, le=100)
    within: Duration | None = None

    @model_validator(mode="after")
    def _window(self) -> Trigger:
        if self.count > 1 and self.within is None:
            raise ValueError("a trigger that counts events needs a window: within")
        return self


class AbsencePattern(_Strict):
    """A trigger, and then no follow-up within `within` (deadlines in event time, timers on the clock)."""

    kind: Literal["absence"]
    trigger: Trigger
    followup: Matchers
    within: Duration
    correlate: str | None = Field(default=None, pattern=DATA_FIELD_PATTERN)

    @model_validator(mode="after")
    def _distinct(self) -> AbsencePattern:
        both = _types(self.trigger.events) & _types(self.followup)
        if both:
            raise ValueError(f"a type cannot both trigger and follow up: {', '.join(sorted(both))}")
        return self

    def event_types(self) -> set[str]:
        return _types((*self.trigger.events, *self.followup))

    def key_fields(self) -> frozenset[str]:
        return frozenset({self.correlate}) if self.correlate else frozenset()


class SinglePattern(_Strict):
    """One event that is a clash by itself (usually with a condition)."""

    kind: Literal["single"]
    events: Matchers
    key: tuple[str, ...] = ()

    @field_validator("key")
    @classmethod
    def _fields(cls, names: tuple[str, ...]) -> tuple[str, ...]:
        for name in names:
            if not _is_field_name(name):
                raise ValueError(f"{name!r} is not a data field name")
        return names

    def event_types(self) -> set[str]:
        return _types(self.events)

    def key_fields(self) -> frozenset[str]:
        return frozenset(self.key)


Pattern = Annotated[
    OverlapPattern | PairPattern | DistinctPattern | AbsencePattern | SinglePattern,
    Field(discriminator="kind"),
]


class RuleSpec(_Strict):
    """One rule of a rule pack."""

    id: str = Field(pattern=RULE_ID_PATTERN)
    title: str = Field(min_length=1, max_length=300)
    description: str = Field(default="", max_length=4000)
    severity: Literal["low", "medium", "high"]
    subjects: tuple[SubjectKind, ...] = Field(min_length=1)
    policies: tuple[Policy, ...] = ()
    pattern: Pattern
    # After the pattern: the dedup key's {data.<field>} placeholders are checked against its key fields.
    dedup_key: str = "{rule}:{subject}"

    @field_validator("dedup_key")
    @classmethod
    def _template(cls, template: str) -> str:
        fields = template_fields(template)
        unknown = {name for name in fields if name not in TEMPLATE_FIELDS and not name.startswith("data.")}
        if unknown:
            raise ValueError(
                f"unknown placeholder(s) {', '.join(sorted(unknown))}; use {{rule}}, {{subject}}, {{buurt}} "
                "or {data.<field>}"
            )
        if "rule" not in fields or "subject" not in fields:
            raise ValueError("a dedup key must contain {rule} and {subject}")
        return template

    @field_validator("dedup_key")
    @classmethod
    def _key_fields_exist(cls, template: str, info: ValidationInfo) -> str:
        pattern = info.data.get("pattern")
        if pattern is None:
            return template  # the pattern itself is invalid: that error is reported
        wanted = {
            name.removeprefix("data.") for name in template_fields(template) if name.startswith("data.")
        }
        missing = wanted - pattern.key_fields()
        if missing:
            kind = pattern.kind
            hint = {
                "single": "list them under pattern.key",
                "absence": "name one as pattern.correlate",
            }.get(kind, f"a pattern of kind {kind} has no key fields")
            raise ValueError(
                f"the dedup key uses {', '.join('{data.' + name + '}' for name in sorted(missing))} "
                f"that the pattern does not provide: {hint}"
            )
        return template

    def event_types(self) -> frozenset[str]:
        """Every event type this rule looks at."""
        return frozenset(self.pattern.event_types())

    def signature(self) -> str:
        """What decides the rule's matches: rules with the same signature share one evaluation."""
        return self.model_dump_json(include={"subjects", "dedup_key", "pattern"})


def template_fields(template: str) -> set[str]:
    """The placeholders of a dedup key template; ValueError for a malformed template."""
    try:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError as exc:
        raise ValueError(f"not a valid template: {exc}") from exc


def _is_field_name(name: str) -> bool:
    return re.fullmatch(DATA_FIELD_PATTERN, name) is not None


def longest_window(rule: RuleSpec) -> timedelta:
    """How far back from a new event the rule may look (0 for patterns without windows)."""
    pattern = rule.pattern
    if isinstance(pattern, PairPattern | DistinctPattern):
        return pattern.within
    if isinstance(pattern, AbsencePattern):
        return pattern.within + (pattern.trigger.within or timedelta(0))
    return timedelta(0)
