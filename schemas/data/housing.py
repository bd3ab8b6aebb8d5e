"""Payloads of the housing (woningcorporatie) event types."""

from __future__ import annotations

from typing import Self

from pydantic import model_validator

from schemas.data.base import EventData
from schemas.fields import Amount, Code, Count, IsoDate, Text


class HousingArrearsSignalled(EventData):
    """``housing.arrears.signalled``: early signal of rent arrears (vroegsignaal huurachterstand)."""

    months_in_arrears: Count
    amount_eur: Amount


class HousingEvictionSummoned(EventData):
    """``housing.eviction.summoned``: summons to court for dissolution and eviction."""

    court_date: IsoDate | None = None


class HousingEvictionScheduled(EventData):
    """``housing.eviction.scheduled``: notice of the eviction date (aanzegging)."""

    eviction_date: IsoDate


class HousingEvictionExecuted(EventData):
    """``housing.eviction.executed``: the eviction took place."""


class HousingEvictionCancelled(EventData):
    """``housing.eviction.cancelled``: the eviction was called off."""

    reason: Text | None = None


class HousingRepairRequested(EventData):
    """``housing.repair.requested``: a repair request (onderhoudsverzoek)."""

    category: Code


class HousingRepairCompleted(EventData):
    """``housing.repair.completed``: a repair was completed."""


class HousingNuisanceReported(EventData):
    """``housing.nuisance.reported``: a nuisance report (VERA signalering OVE, e.g. GEL)."""

    category: Code


class HousingRenovationPlanned(EventData):
    """``housing.renovation.planned``: a renovation of a housing complex is planned."""

    start_date: IsoDate
    end_date: IsoDate
    units: Count

    @model_validator(mode="after")
    def _end_not_before_start(self) -> Self:
        if self.end_date < self.start_date:
            raise ValueError("end_date must not be before start_date")
        return self
