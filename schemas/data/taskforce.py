"""Payload of the taskforce decision, published by wijkbrug itself on ``buurt.decisions``."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.data.base import EventData
from schemas.fields import OrgSlug, Text

DecisionKind = Literal["maatwerk", "rule_change", "no_action"]

MAX_INSTRUCTIONS = 100


class Instruction(BaseModel):
    """What one organisation must do after a decision."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    org: OrgSlug
    action: Text


class TaskforceDecisionMade(EventData):
    """``taskforce.decision.made``: the taskforce decided on an escalation."""

    escalation_id: Annotated[int, Field(ge=1, strict=True)]
    decision: DecisionKind
    text: Text
    instructions: Annotated[list[Instruction], Field(max_length=MAX_INSTRUCTIONS)]
