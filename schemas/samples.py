"""Minimal valid example payloads and events for every catalogue type (tests, demos, schema examples)."""

from __future__ import annotations

import copy
from typing import Any

from schemas.catalogue import get_event_type
from schemas.identifiers import SubjectKind, source_for

SAMPLE_TIME = "2025-03-01T09:30:00Z"
SAMPLE_BUURT = "BU0363AE01"
SAMPLE_ORG = "example-org"

SAMPLE_SUBJECTS: dict[SubjectKind, str] = {
    SubjectKind.HOUSEHOLD: "hh:7f3a9c2e5b1d4f60",
    SubjectKind.LOCATION: "loc:c41d8e2a9b7f3e05",
    SubjectKind.INITIATIVE: "ini:b2e94f1a6c3d7e88",
    SubjectKind.COMPLEX: "cx:5d0e7a3c9f2b1e46",
}

_SUBJECT_PREFERENCE = (
    SubjectKind.HOUSEHOLD,
    SubjectKind.LOCATION,
    SubjectKind.INITIATIVE,
    SubjectKind.COMPLEX,
)

_SAMPLE_DATA: dict[str, dict[str, Any]] = {
    "nl.wijkbrug.housing.arrears.signalled": {"months_in_arrears": 2, "amount_eur": 1250.5},
    "nl.wijkbrug.housing.eviction.summoned": {"court_date": "2025-04-15"},
    "nl.wijkbrug.housing.eviction.scheduled": {"eviction_date": "2025-05-20"},
    "nl.wijkbrug.housing.eviction.executed": {},
    "nl.wijkbrug.housing.eviction.cancelled": {"reason": "betalingsregeling getroffen"},
    "nl.wijkbrug.housing.repair.requested": {"category": "lekkage"},
    "nl.wijkbrug.housing.repair.completed": {},
    "nl.wijkbrug.housing.nuisance.reported": {"category": "GEL"},
    "nl.wijkbrug.housing.renovation.planned": {
        "start_date": "2025-06-01",
        "end_date": "2025-12-01",
        "units": 48,
    },
    "nl.wijkbrug.social.debt_assistance.started": {},
    "nl.wijkbrug.social.debt_assistance.ended": {"reason": "schuldenvrij"},
    "nl.wijkbrug.social.benefit.stopped": {"reason": "inlichtingenplicht"},
    "nl.wijkbrug.social.benefit.reclaimed": {"amount_eur": 3400},
    "nl.wijkbrug.social.care.started": {"kind": "jeugd", "product_code": "45A01"},
    "nl.wijkbrug.social.care.ended": {"kind": "wmo", "reason": "01"},
    "nl.wijkbrug.social.early_signal.received": {"signal_source": "energie", "amount_eur": 410.0},
    "nl.wijkbrug.safety.incident.registered": {"category": "geweld"},
    "nl.wijkbrug.safety.enforcement.action": {"measure": "bestuurlijke waarschuwing"},
    "nl.wijkbrug.safety.house_closure.ordered": {
        "closure_date": "2025-04-01",
        "legal_basis": "art. 13b Opiumwet",
    },
    "nl.wijkbrug.municipality.report.created": {"category": "afval", "external_id": "SIG-1234", "state": "m"},
    "nl.wijkbrug.municipality.report.status_changed": {"external_id": "SIG-1234", "state": "b"},
    "nl.wijkbrug.municipality.permit.requested": {
        "permit_id": "Z2025-0042",
        "permit_type": "evenement",
        "initiative_id": "BI-17",
    },
    "nl.wijkbrug.municipality.permit.decided": {
        "permit_id": "Z2025-0042",
        "outcome": "refused",
        "rule_reference": "APV art. 2:25",
        "initiative_id": "BI-17",
    },
    "nl.wijkbrug.municipality.enforcement.action": {"measure": "last onder dwangsom"},
    "nl.wijkbrug.residents.initiative.submitted": {
        "initiative_id": "BI-17",
        "title": "Buurtfeest Spaarndammerbuurt",
    },
    "nl.wijkbrug.residents.initiative.withdrawn": {"initiative_id": "BI-17"},
    "nl.wijkbrug.residents.initiative.completed": {"initiative_id": "BI-17"},
    "nl.wijkbrug.taskforce.decision.made": {
        "escalation_id": 7,
        "decision": "maatwerk",
        "text": "Ontruiming opschorten zolang de schuldhulpverlening loopt.",
        "instructions": [{"org": "woonstad", "action": "ontruiming opschorten"}],
    },
}


def sample_data(type_name: str) -> dict[str, Any]:
    """A fresh copy of the minimal valid payload of a catalogue type."""
    get_event_type(type_name)
    return copy.deepcopy(_SAMPLE_DATA[type_name])


def sample_subject(type_name: str) -> str:
    """A pseudonym of the first allowed subject kind of a type (preferring hh, loc, ini, cx)."""
    kinds = get_event_type(type_name).subject_kinds
    kind = next(kind for kind in _SUBJECT_PREFERENCE if kind in kinds)
    return SAMPLE_SUBJECTS[kind]


def sample_event(type_name: str, *, org: str = SAMPLE_ORG, event_id: str = "evt-0001") -> dict[str, Any]:
    """A complete valid raw event of a catalogue type, as it would arrive over HTTP."""
    return {
        "specversion": "1.0",
        "id": event_id,
        "source": source_for(org),
        "type": type_name,
        "time": SAMPLE_TIME,
        "subject": sample_subject(type_name),
        "buurt": SAMPLE_BUURT,
        "datacontenttype": "application/json",
        "data": sample_data(type_name),
    }
