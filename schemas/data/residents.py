"""Payloads of the residents' initiative (bewonersinitiatief) event types."""

from __future__ import annotations

from schemas.data.base import EventData
from schemas.fields import Code


class ResidentsInitiativeSubmitted(EventData):
    """``residents.initiative.submitted``: a residents' initiative was submitted."""

    initiative_id: Code
    title: Code


class ResidentsInitiativeWithdrawn(EventData):
    """``residents.initiative.withdrawn``: a residents' initiative was withdrawn."""

    initiative_id: Code


class ResidentsInitiativeCompleted(EventData):
    """``residents.initiative.completed``: a residents' initiative was completed."""

    initiative_id: Code
