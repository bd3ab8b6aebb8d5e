"""Payloads of the municipality (gemeente) event types."""

from __future__ import annotations

from typing import Literal

from schemas.data.base import EventData
from schemas.fields import Code

PermitOutcome = Literal["granted", "refused"]


class MunicipalityReportCreated(EventData):
    """``municipality.report.created``: a report about public space (melding openbare ruimte)."""

    category: Code
    external_id: Code
    state: Code


class MunicipalityReportStatusChanged(EventData):
    """``municipality.report.status_changed``: the state of a report changed (Signalen state code)."""

    external_id: Code
    state: Code


class MunicipalityPermitRequested(EventData):
    """``municipality.permit.requested``: a permit was requested."""

    permit_id: Code
    permit_type: Code
    initiative_id: Code | None = None


class MunicipalityPermitDecided(EventData):
    """``municipality.permit.decided``: a permit request was decided."""

    permit_id: Code
    outcome: PermitOutcome
    rule_reference: Code | None = None
    initiative_id: Code | None = None


class MunicipalityEnforcementAction(EventData):
    """``municipality.enforcement.action``: a municipal enforcement measure."""

    measure: Code
