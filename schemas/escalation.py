"""The record on topic ``buurt.escalations``: a detected clash between organisations' rules."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from schemas.fields import Buurtcode, Code, EventTypeName, OrgSlug, Source, Subject, Text
from schemas.identifiers import Domain, slug_from_source
from schemas.timestamps import Rfc3339Time

if TYPE_CHECKING:
    from schemas.validation import ValidatedEvent

Severity = Literal["low", "medium", "high"]

RuleId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{1,79}$")]
"""A rule id of the rule pack, e.g. ``eviction-during-debt-assistance``."""

DEDUP_KEY_MAX_LENGTH = 1024
TITLE_MAX_LENGTH = 300


class PolicyRef(BaseModel):
    """An organisational policy (or rule of law) involved in the clash."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    domain: Domain
    reference: Code
    text: Text


class Evidence(BaseModel):
    """One event that is part of the clash."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, Field(min_length=1, max_length=256)]
    source: Source
    org: OrgSlug
    type: EventTypeName
    time: Rfc3339Time
    label_nl: Code

    @model_validator(mode="after")
    def _org_matches_source(self) -> Self:
        if slug_from_source(self.source) != self.org:
            raise ValueError("org must be the organisation of source")
        return self

    @classmethod
    def from_event(cls, event: ValidatedEvent) -> Evidence:
        """Evidence for a validated event."""
        return cls(
            id=event.envelope.id,
            source=event.envelope.source,
            org=event.org_slug,
            type=event.event_type.name,
            time=event.envelope.time,
            label_nl=event.event_type.label_nl,
        )


class EscalationMessage(BaseModel):
    """The current state of a clash, as published on ``buurt.escalations`` (key = buurtcode).

    Each message is the whole truth about its dedup key as the rule engine sees it now: the evidence is
    complete for events at or after ``complete_since`` (all of it when that is None; older evidence was
    pruned from the engine's state and stands as it was). ``withdrawn`` says that no clash remains, e.g.
    because an event that arrived late shows it never happened; the evidence is then empty.
    ``organisations`` is normalised to sorted unique slugs and ``evidence`` to order by (time, id).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    dedup_key: Annotated[str, Field(min_length=1, max_length=DEDUP_KEY_MAX_LENGTH)]
    rule: RuleId
    title: Annotated[str, Field(min_length=1, max_length=TITLE_MAX_LENGTH)]
    severity: Severity
    subject: Subject
    buurt: Buurtcode
    opened_at: Rfc3339Time
    organisations: list[OrgSlug]
    evidence: list[Evidence]
    policies: list[PolicyRef] = Field(default_factory=list)
    emitted_at: Rfc3339Time
    withdrawn: bool = False
    complete_since: Rfc3339Time | None = None

    @model_validator(mode="after")
    def _evidence_unless_withdrawn(self) -> Self:
        if self.withdrawn and self.evidence:
            raise ValueError("a withdrawn escalation carries no evidence")
        if not self.withdrawn and not self.evidence:
            raise ValueError("an escalation needs at least one evidence event")
        return self

    @field_validator("organisations")
    @classmethod
    def _sort_organisations(cls, value: list[str]) -> list[str]:
        return sorted(set(value))

    @field_validator("evidence")
    @classmethod
    def _sort_evidence(cls, value: list[Evidence]) -> list[Evidence]:
        return sorted(value, key=lambda item: (item.time, item.id))
