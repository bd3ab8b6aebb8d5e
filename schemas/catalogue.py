"""Catalogue v1: every event type, its payload model, allowed subject kinds and labels."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from schemas.data import housing, municipality, residents, safety, social, taskforce
from schemas.data.base import EventData
from schemas.errors import UnknownEventTypeError
from schemas.identifiers import PUBLISHABLE_DOMAINS, SCHEMA_BASE_URL, TYPE_PREFIX, Domain, SubjectKind
from schemas.privacy import redact_text

HH = SubjectKind.HOUSEHOLD
LOC = SubjectKind.LOCATION
INI = SubjectKind.INITIATIVE
CX = SubjectKind.COMPLEX


@dataclass(frozen=True)
class EventType:
    """One type of the catalogue."""

    name: str
    suffix: str
    domain: Domain
    data_model: type[EventData]
    subject_kinds: frozenset[SubjectKind]
    label_nl: str
    description: str

    @property
    def schema_id(self) -> str:
        """The ``$id`` of this type's JSON Schema (usable as the CloudEvents ``dataschema``)."""
        return f"{SCHEMA_BASE_URL}{self.name}.json"


def _type(
    suffix: str,
    data_model: type[EventData],
    subject_kinds: Iterable[SubjectKind],
    label_nl: str,
    description: str,
) -> EventType:
    return EventType(
        name=TYPE_PREFIX + suffix,
        suffix=suffix,
        domain=Domain(suffix.split(".", 1)[0]),
        data_model=data_model,
        subject_kinds=frozenset(subject_kinds),
        label_nl=label_nl,
        description=description,
    )


_TYPES: tuple[EventType, ...] = (
    # housing (woningcorporatie)
    _type(
        "housing.arrears.signalled",
        housing.HousingArrearsSignalled,
        {HH},
        "Huurachterstand gesignaleerd",
        "Early signal of rent arrears (vroegsignaal huurachterstand).",
    ),
    _type(
        "housing.eviction.summoned",
        housing.HousingEvictionSummoned,
        {HH},
        "Dagvaarding ontruiming",
        "Summons to court for dissolution of the lease and eviction (dagvaarding ontbinding en ontruiming).",
    ),
    _type(
        "housing.eviction.scheduled",
        housing.HousingEvictionScheduled,
        {HH},
        "Ontruiming aangezegd",
        "Notice of the eviction date (aanzegging ontruiming).",
    ),
    _type(
        "housing.eviction.executed",
        housing.HousingEvictionExecuted,
        {HH},
        "Ontruiming uitgevoerd",
        "The eviction was carried out.",
    ),
    _type(
        "housing.eviction.cancelled",
        housing.HousingEvictionCancelled,
        {HH},
        "Ontruiming geannuleerd",
        "The eviction was called off.",
    ),
    _type(
        "housing.repair.requested",
        housing.HousingRepairRequested,
        {HH, LOC, CX},
        "Reparatieverzoek ingediend",
        "A repair was requested (onderhoudsverzoek).",
    ),
    _type(
        "housing.repair.completed",
        housing.HousingRepairCompleted,
        {HH, LOC, CX},
        "Reparatie afgerond",
        "A requested repair was completed.",
    ),
    _type(
        "housing.nuisance.reported",
        housing.HousingNuisanceReported,
        {HH, LOC},
        "Overlast gemeld",
        "Nuisance was reported to the housing corporation (VERA signalering OVE, e.g. GEL noise).",
    ),
    _type(
        "housing.renovation.planned",
        housing.HousingRenovationPlanned,
        {CX},
        "Renovatie gepland",
        "A renovation of a housing complex is planned.",
    ),
    # social (gemeente sociaal domein)
    _type(
        "social.debt_assistance.started",
        social.SocialDebtAssistanceStarted,
        {HH},
        "Schuldhulpverlening gestart",
        "Debt assistance (schuldhulpverlening) started.",
    ),
    _type(
        "social.debt_assistance.ended",
        social.SocialDebtAssistanceEnded,
        {HH},
        "Schuldhulpverlening beëindigd",
        "Debt assistance ended.",
    ),
    _type(
        "social.benefit.stopped",
        social.SocialBenefitStopped,
        {HH},
        "Uitkering stopgezet",
        "A benefit (uitkering) was stopped.",
    ),
    _type(
        "social.benefit.reclaimed",
        social.SocialBenefitReclaimed,
        {HH},
        "Uitkering teruggevorderd",
        "Benefit paid was reclaimed (terugvordering).",
    ),
    _type(
        "social.care.started",
        social.SocialCareStarted,
        {HH},
        "Zorg gestart (Wmo/Jeugd)",
        "Wmo or youth care started (iWmo/iJw 305 start zorg).",
    ),
    _type(
        "social.care.ended",
        social.SocialCareEnded,
        {HH},
        "Zorg beëindigd (Wmo/Jeugd)",
        "Wmo or youth care ended (iWmo/iJw 307 stop zorg).",
    ),
    _type(
        "social.early_signal.received",
        social.SocialEarlySignalReceived,
        {HH},
        "Vroegsignaal betalingsachterstand",
        "An early signal of payment arrears (rent, energy, water, health insurance) was received.",
    ),
    # safety (politie)
    _type(
        "safety.incident.registered",
        safety.SafetyIncidentRegistered,
        {LOC, HH},
        "Incident geregistreerd",
        "The police registered an incident.",
    ),
    _type(
        "safety.enforcement.action",
        safety.SafetyEnforcementAction,
        {HH, LOC},
        "Handhaving politie",
        "The police took an enforcement measure.",
    ),
    _type(
        "safety.house_closure.ordered",
        safety.SafetyHouseClosureOrdered,
        {HH},
        "Woningsluiting bevolen",
        "Closure of a dwelling was ordered (e.g. art. 13b Opiumwet).",
    ),
    # municipality (gemeente)
    _type(
        "municipality.report.created",
        municipality.MunicipalityReportCreated,
        {LOC},
        "Melding openbare ruimte",
        "A report about public space was created (melding openbare ruimte; Signalen).",
    ),
    _type(
        "municipality.report.status_changed",
        municipality.MunicipalityReportStatusChanged,
        {LOC},
        "Status melding gewijzigd",
        "The state of a report about public space changed (Signalen state code).",
    ),
    _type(
        "municipality.permit.requested",
        municipality.MunicipalityPermitRequested,
        {INI, LOC},
        "Vergunning aangevraagd",
        "A permit was requested.",
    ),
    _type(
        "municipality.permit.decided",
        municipality.MunicipalityPermitDecided,
        {INI, LOC},
        "Besluit op vergunning",
        "A permit request was decided (granted or refused).",
    ),
    _type(
        "municipality.enforcement.action",
        municipality.MunicipalityEnforcementAction,
        {HH, LOC},
        "Handhaving gemeente",
        "The municipality took an enforcement measure.",
    ),
    # residents (bewonersinitiatieven)
    _type(
        "residents.initiative.submitted",
        residents.ResidentsInitiativeSubmitted,
        {INI},
        "Bewonersinitiatief ingediend",
        "A residents' initiative was submitted.",
    ),
    _type(
        "residents.initiative.withdrawn",
        residents.ResidentsInitiativeWithdrawn,
        {INI},
        "Bewonersinitiatief ingetrokken",
        "A residents' initiative was withdrawn.",
    ),
    _type(
        "residents.initiative.completed",
        residents.ResidentsInitiativeCompleted,
        {INI},
        "Bewonersinitiatief afgerond",
        "A residents' initiative was completed.",
    ),
    # taskforce (published by wijkbrug itself)
    _type(
        "taskforce.decision.made",
        taskforce.TaskforceDecisionMade,
        {HH, LOC, INI, CX},
        "Besluit taskforce",
        "The ontschotting taskforce decided on an escalation (maatwerk, rule change or no action).",
    ),
)

CATALOGUE: Mapping[str, EventType] = MappingProxyType({event_type.name: event_type for event_type in _TYPES})
"""Every event type of catalogue v1, keyed by full type name, in catalogue order."""


def get_event_type(name: str) -> EventType:
    """The catalogue entry for a full type name; raises UnknownEventTypeError if there is none."""
    try:
        return CATALOGUE[name]
    except KeyError:
        shown = redact_text(name[:200])
        raise UnknownEventTypeError(f"event type {shown!r} is not in catalogue v1") from None


def may_publish(org_domain: Domain, event_type: EventType) -> bool:
    """Whether an organisation of ``org_domain`` may publish events of ``event_type``."""
    return event_type.domain in PUBLISHABLE_DOMAINS.get(org_domain, frozenset())
