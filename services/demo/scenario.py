"""A small, deterministic demo scenario: households, places and initiatives in Amsterdam buurten where
organisations' rules clash (every rule of the default pack), and a few where they nearly do.

Event times are relative to the moment the scenario is loaded, so the demo always looks recent; event ids
are fixed, so loading the scenario twice changes nothing (the gateway is idempotent on (source, id)).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from schemas.identifiers import Domain, source_for
from schemas.timestamps import format_rfc3339
from services.directory.model import Role


@dataclass(frozen=True)
class DemoOrganisation:
    slug: str
    domain: Domain
    name: str


@dataclass(frozen=True)
class DemoUser:
    name: str
    role: Role
    org: str | None = None
    buurten: tuple[str, ...] = ()


WOCO, SOCIAAL, POLITIE, GEMEENTE = (
    "woco-amstel",
    "gemeente-sociaal",
    "politie-amsterdam",
    "gemeente-amsterdam",
)

ORGANISATIONS = (
    DemoOrganisation(WOCO, Domain.HOUSING, "Woningcorporatie Amstel (demo)"),
    DemoOrganisation(SOCIAAL, Domain.SOCIAL, "Gemeente Amsterdam, sociaal domein (demo)"),
    DemoOrganisation(POLITIE, Domain.SAFETY, "Politie Amsterdam (demo)"),
    DemoOrganisation(GEMEENTE, Domain.MUNICIPALITY, "Gemeente Amsterdam (demo)"),
)

DEMO_PASSWORD = "wijkbrug-demo-2026"  # noqa: S105 - the demo's published password, not a secret

USERS = (
    DemoUser("taskforce", Role.TASKFORCE),
    DemoUser("beheer", Role.ADMIN),
    DemoUser("woco-contact", Role.LIAISON, org=WOCO),
    DemoUser("bewoner-noord", Role.RESIDENT, buurten=("BU0363NK03", "BU0363NE04")),
)

# (days ago, organisation, catalogue type after nl.wijkbrug., data)
Step = tuple[int, str, str, dict[str, Any]]


@dataclass(frozen=True)
class Story:
    """A household, place or initiative in a buurt, and what the partners' systems say about it."""

    key: str
    kind: str
    buurt: str
    steps: tuple[Step, ...]
    by_location: tuple[float, float] | None = None


def _arrears(months: int, amount: float) -> dict[str, Any]:
    return {"months_in_arrears": months, "amount_eur": amount}


def _report(external_id: str, category: str) -> dict[str, Any]:
    return {"category": category, "external_id": external_id, "state": "m"}


CLOSURE = {"closure_date": "2026-01-01", "legal_basis": "art. 13b Opiumwet"}

STORIES = (
    # eviction-during-debt-assistance
    Story(
        "a",
        "hh",
        "BU0363NK03",
        (
            (120, WOCO, "housing.arrears.signalled", _arrears(3, 2450.0)),
            (80, SOCIAAL, "social.debt_assistance.started", {}),
            (21, WOCO, "housing.eviction.summoned", {}),
        ),
    ),
    Story(
        "b",
        "hh",
        "BU0363NE04",
        (
            (40, WOCO, "housing.eviction.summoned", {}),
            (25, SOCIAAL, "social.debt_assistance.started", {}),
            (6, WOCO, "housing.eviction.scheduled", {"eviction_date": "+14"}),
        ),
    ),
    Story(
        "c",
        "hh",
        "BU0363TB01",
        ((60, SOCIAAL, "social.debt_assistance.started", {}), (12, WOCO, "housing.eviction.summoned", {})),
    ),
    Story(
        "d",
        "hh",
        "BU0363TC02",
        ((50, SOCIAAL, "social.debt_assistance.started", {}), (9, WOCO, "housing.eviction.summoned", {})),
        by_location=(52.31844, 4.95637),
    ),
    Story(
        "e",
        "hh",
        "BU0363FH02",
        ((33, WOCO, "housing.eviction.summoned", {}), (4, SOCIAAL, "social.debt_assistance.started", {})),
    ),
    # near misses: debt assistance ended before the summons; the eviction was cancelled before it began
    Story(
        "f",
        "hh",
        "BU0363FB03",
        (
            (200, SOCIAAL, "social.debt_assistance.started", {}),
            (70, SOCIAAL, "social.debt_assistance.ended", {"reason": "afgerond"}),
            (15, WOCO, "housing.eviction.summoned", {}),
        ),
    ),
    Story(
        "i",
        "hh",
        "BU0363KQ04",
        (
            (90, WOCO, "housing.eviction.summoned", {}),
            (60, WOCO, "housing.eviction.cancelled", {"reason": "betalingsregeling"}),
            (20, SOCIAAL, "social.debt_assistance.started", {}),
        ),
    ),
    # house-closure-with-youth-care
    Story(
        "k",
        "hh",
        "BU0363TJ03",
        (
            (150, SOCIAAL, "social.care.started", {"kind": "jeugd", "product_code": "45A"}),
            (10, POLITIE, "safety.house_closure.ordered", CLOSURE),
        ),
    ),
    # benefit-stop-after-arrears, and with the stop, three organisations: stacked-interventions
    Story(
        "m",
        "hh",
        "BU0363ML02",
        (
            (70, WOCO, "housing.arrears.signalled", _arrears(2, 1480.0)),
            (35, SOCIAAL, "social.benefit.stopped", {"reason": "niet verschenen"}),
            (8, POLITIE, "safety.enforcement.action", {"measure": "bestuurlijke waarschuwing"}),
        ),
    ),
    Story("h", "hh", "BU0363EE01", ((30, WOCO, "housing.arrears.signalled", _arrears(2, 1320.0)),)),
    # report-without-followup: three reports on one spot; the second spot was taken into treatment
    Story(
        "p",
        "loc",
        "BU0363AJ01",
        (
            (45, GEMEENTE, "municipality.report.created", _report("SIG-2041", "afval")),
            (38, WOCO, "housing.nuisance.reported", {"category": "GEL"}),
            (33, POLITIE, "safety.incident.registered", {"category": "overlast"}),
        ),
    ),
    Story(
        "q",
        "loc",
        "BU0363KE04",
        (
            (40, GEMEENTE, "municipality.report.created", _report("SIG-2077", "graffiti")),
            (36, GEMEENTE, "municipality.report.created", _report("SIG-2078", "graffiti")),
            (30, POLITIE, "safety.incident.registered", {"category": "vernieling"}),
            (
                25,
                GEMEENTE,
                "municipality.report.status_changed",
                {"external_id": "SIG-2077", "state": "ingepland"},
            ),
        ),
    ),
    # initiatives: a permit refused, and a permit request without a decision for more than eight weeks
    Story(
        "s",
        "ini",
        "BU0363MG01",
        (
            (
                100,
                GEMEENTE,
                "residents.initiative.submitted",
                {"initiative_id": "BI-12", "title": "Buurtmoestuin Makassarplein"},
            ),
            (
                95,
                GEMEENTE,
                "municipality.permit.requested",
                {"permit_id": "OLO-7711", "permit_type": "tijdelijk gebruik", "initiative_id": "BI-12"},
            ),
            (
                30,
                GEMEENTE,
                "municipality.permit.decided",
                {
                    "permit_id": "OLO-7711",
                    "outcome": "refused",
                    "rule_reference": "APV 2.10",
                    "initiative_id": "BI-12",
                },
            ),
        ),
    ),
    Story(
        "t",
        "ini",
        "BU0363NK03",
        (
            (
                90,
                GEMEENTE,
                "residents.initiative.submitted",
                {"initiative_id": "BI-15", "title": "Speeltuin Van der Pekbuurt"},
            ),
            (
                80,
                GEMEENTE,
                "municipality.permit.requested",
                {"permit_id": "OLO-7790", "permit_type": "evenement", "initiative_id": "BI-15"},
            ),
        ),
    ),
)


def _subject(story: Story) -> str:
    # A stable pseudonym, as a connector would compute it with the deployment's HMAC key.
    return f"{story.kind}:" + hashlib.sha256(f"wijkbrug-demo/{story.key}".encode()).hexdigest()[:24]


def _data(data: dict[str, Any], now: datetime) -> dict[str, Any]:
    # "+14" in a date field: that many days from now (an eviction date ahead).
    return {
        key: (now + timedelta(days=int(value[1:]))).date().isoformat()
        if isinstance(value, str) and value[:1] == "+"
        else value
        for key, value in data.items()
    }


def scenario_events(now: datetime) -> dict[str, list[dict[str, Any]]]:
    """The demo's events by organisation slug, in the order the partners' systems would send them."""
    by_org: dict[str, list[dict[str, Any]]] = {org.slug: [] for org in ORGANISATIONS}
    for story in STORIES:
        for index, (days_ago, org, type_suffix, data) in enumerate(story.steps, start=1):
            payload = _data(data, now)
            event: dict[str, Any] = {
                "specversion": "1.0",
                "id": f"demo-{story.key}-{index}",
                "source": source_for(org),
                "type": f"nl.wijkbrug.{type_suffix}",
                "time": format_rfc3339(now - timedelta(days=days_ago)),
                "subject": _subject(story),
                "data": payload,
            }
            if story.by_location is not None:
                payload["location"] = {"lat": story.by_location[0], "lon": story.by_location[1]}
            else:
                event["buurt"] = story.buurt
            by_org[org].append(event)
    return {org: events for org, events in by_org.items() if events}
