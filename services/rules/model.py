"""The rule file format: one YAML document per rule, validated by these models (and their JSON Schema)."""

from __future__ import annotations

import string
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from schemas.catalogue import CATALOGUE
from schemas.identifiers import TYPE_PREFIX, Domain, SubjectKind

RULE_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{2,79}$"
TEMPLATE_FIELDS = frozenset({"rule", "subject", "buurt"})


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def _known_type(name: str) -> str:
    """Accept a catalogue type by its suffix (`housing.arrears.signalled`) or full name."""
    full = name if name.startswith(TYPE_PREFIX) else TYPE_PREFIX + name
    if full not in CATALOGUE:
        raise ValueError(f"{name!r} is not an event type of the catalogue")
    return full


class Policy(_Strict):
    """An organisational rule that takes part in the clash."""

    domain: Domain
    reference: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=2000)


class Interval(_Strict):
    """A state on a subject: started by one of `start`, ended by one of `end`."""

    label: str = Field(min_length=1, max_length=100)
    start: list[str] = Field(min_length=1)
    end: list[str] = Field(default_factory=list)

    @field_validator("start", "end")
    @classmethod
    def _types(cls, names: list[str]) -> list[str]:
        return [_known_type(name) for name in names]

    @model_validator(mode="after")
    def _disjoint(self) -> Interval:
        both = set(self.start) & set(self.end)
        if both:
            raise ValueError(f"a type cannot both start and end the state: {', '.join(sorted(both))}")
        return self


class OverlapPattern(_Strict):
    """Two states on one subject active at the same time, whichever started first."""

    kind: Literal["overlap"]
    first: Interval
    second: Interval


Pattern = Annotated[OverlapPattern, Field(discriminator="kind")]


class RuleSpec(_Strict):
    """One rule of a rule pack."""

    id: str = Field(pattern=RULE_ID_PATTERN)
    title: str = Field(min_length=1, max_length=300)
    description: str = Field(default="", max_length=4000)
    severity: Literal["low", "medium", "high"]
    subjects: list[SubjectKind] = Field(min_length=1)
    dedup_key: str = "{rule}:{subject}"
    policies: list[Policy] = Field(default_factory=list)
    pattern: Pattern

    @field_validator("dedup_key")
    @classmethod
    def _template(cls, template: str) -> str:
        try:
            fields = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
        except ValueError as exc:
            raise ValueError(f"not a valid template: {exc}") from exc
        unknown = {name for name in fields if name not in TEMPLATE_FIELDS and not name.startswith("data.")}
        if unknown:
            raise ValueError(
                f"unknown placeholder(s) {', '.join(sorted(unknown))}; use {{rule}}, {{subject}}, {{buurt}} "
                "or {data.<field>}"
            )
        if "rule" not in fields or "subject" not in fields:
            raise ValueError("a dedup key must contain {rule} and {subject}")
        return template

    def event_types(self) -> frozenset[str]:
        """Every event type this rule looks at."""
        pattern = self.pattern
        return frozenset(
            [*pattern.first.start, *pattern.first.end, *pattern.second.start, *pattern.second.end]
        )
