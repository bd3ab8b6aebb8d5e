"""Payloads of the safety (politie) event types."""

from __future__ import annotations

from schemas.data.base import EventData
from schemas.fields import Code, IsoDate


class SafetyIncidentRegistered(EventData):
    """``safety.incident.registered``: the police registered an incident."""

    category: Code


class SafetyEnforcementAction(EventData):
    """``safety.enforcement.action``: a police enforcement measure."""

    measure: Code


class SafetyHouseClosureOrdered(EventData):
    """``safety.house_closure.ordered``: closure of a dwelling was ordered (e.g. art. 13b Opiumwet)."""

    closure_date: IsoDate
    legal_basis: Code
