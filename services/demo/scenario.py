"""A small, deterministic demo scenario: households in Amsterdam buurten where organisations' rules clash.

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


ORGANISATIONS = (
    DemoOrganisation("woco-amstel", Domain.HOUSING, "Woningcorporatie Amstel (demo)"),
    DemoOrganisation("gemeente-sociaal", Domain.SOCIAL, "Gemeente Amsterdam, sociaal domein (demo)"),
    DemoOrganisation("politie-amsterdam", Domain.SAFETY, "Politie Amsterdam (demo)"),
    DemoOrganisation("gemeente-amsterdam", Domain.MUNICIPALITY, "Gemeente Amsterdam (demo)"),
)

DEMO_PASSWORD = "wijkbrug-demo-2026"  # noqa: S105 - the demo's published password, not a secret

USERS = (
    DemoUser("taskforce", Role.TASKFORCE),
    DemoUser("beheer", Role.ADMIN),
    DemoUser("woco-contact", Role.LIAISON, org="woco-amstel"),
    DemoUser("bewoner-noord", Role.RESIDENT, buurten=("BU0363NK03", "BU0363NE04")),
)


@dataclass(frozen=True)
class Household:
    """A household in a buurt and the story the partners' systems tell about it."""

    key: str
    buurt: str
    story: str
    by_location: tuple[float, float] | None = None


HOUSEHOLDS = (
    Household("a", "BU0363NK03", "debt assistance, then a summons"),
    Household("b", "BU0363NE04", "a summons, then debt assistance, then an eviction date"),
    Household("c", "BU0363TB01", "debt assistance, then a summons"),
    Household("d", "BU0363TC02", "debt assistance, then a summons", by_location=(52.31844, 4.95637)),
    Household("e", "BU0363FH02", "a summons, then debt assistance"),
    Household("f", "BU0363FB03", "debt assistance ended before the summons"),
    Household("g", "BU0363MG01", "debt assistance, then an eviction date"),
    Household("h", "BU0363EE01", "arrears only"),
    Household("i", "BU0363KQ04", "eviction cancelled before debt assistance"),
    Household("j", "BU0363AJ01", "debt assistance, then a summons and an eviction date"),
)


def _subject(household: Household) -> str:
    # A stable pseudonym, as a connector would compute it with the deployment's HMAC key.
    return "hh:" + hashlib.sha256(f"wijkbrug-demo/{household.key}".encode()).hexdigest()[:24]


def _event(
    org: str,
    type_suffix: str,
    household: Household,
    index: int,
    at: datetime,
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    payload = dict(data or {})
    event: dict[str, Any] = {
        "specversion": "1.0",
        "id": f"demo-{household.key}-{index}",
        "source": source_for(org),
        "type": f"nl.wijkbrug.{type_suffix}",
        "time": format_rfc3339(at),
        "subject": _subject(household),
        "data": payload,
    }
    if household.by_location is not None:
        payload["location"] = {"lat": household.by_location[0], "lon": household.by_location[1]}
    else:
        event["buurt"] = household.buurt
    return event


def scenario_events(now: datetime) -> dict[str, list[dict[str, Any]]]:
    """The demo's events by organisation slug, in the order the partners' systems would send them."""
    day = timedelta(days=1)
    by_org: dict[str, list[dict[str, Any]]] = {org.slug: [] for org in ORGANISATIONS}
    housing, social = by_org["woco-amstel"], by_org["gemeente-sociaal"]

    def debt(h: Household, index: int, days_ago: int) -> None:
        social.append(
            _event("gemeente-sociaal", "social.debt_assistance.started", h, index, now - days_ago * day)
        )

    def debt_ended(h: Household, index: int, days_ago: int) -> None:
        social.append(
            _event(
                "gemeente-sociaal",
                "social.debt_assistance.ended",
                h,
                index,
                now - days_ago * day,
                {"reason": "afgerond"},
            )
        )

    def arrears(h: Household, index: int, days_ago: int, months: int, amount: float) -> None:
        data = {"months_in_arrears": months, "amount_eur": amount}
        housing.append(
            _event("woco-amstel", "housing.arrears.signalled", h, index, now - days_ago * day, data)
        )

    def summons(h: Household, index: int, days_ago: int) -> None:
        court = (now + 30 * day).date().isoformat()
        housing.append(
            _event(
                "woco-amstel",
                "housing.eviction.summoned",
                h,
                index,
                now - days_ago * day,
                {"court_date": court},
            )
        )

    def scheduled(h: Household, index: int, days_ago: int) -> None:
        date = (now + 14 * day).date().isoformat()
        housing.append(
            _event(
                "woco-amstel",
                "housing.eviction.scheduled",
                h,
                index,
                now - days_ago * day,
                {"eviction_date": date},
            )
        )

    def cancelled(h: Household, index: int, days_ago: int) -> None:
        housing.append(
            _event(
                "woco-amstel",
                "housing.eviction.cancelled",
                h,
                index,
                now - days_ago * day,
                {"reason": "betalingsregeling"},
            )
        )

    a, b, c, d, e, f, g, h, i, j = HOUSEHOLDS
    arrears(a, 1, 120, 3, 2450.0)
    debt(a, 2, 80)
    summons(a, 3, 21)
    summons(b, 1, 40)
    debt(b, 2, 25)
    scheduled(b, 3, 6)
    arrears(c, 1, 95, 4, 3100.0)
    debt(c, 2, 60)
    summons(c, 3, 12)
    debt(d, 1, 50)
    summons(d, 2, 9)
    summons(e, 1, 33)
    debt(e, 2, 4)
    debt(f, 1, 200)
    debt_ended(f, 2, 70)
    summons(f, 3, 15)
    debt(g, 1, 45)
    scheduled(g, 2, 3)
    arrears(h, 1, 30, 2, 1320.0)
    summons(i, 1, 90)
    cancelled(i, 2, 60)
    debt(i, 3, 20)
    arrears(j, 1, 150, 3, 2875.5)
    debt(j, 2, 110)
    summons(j, 3, 35)
    scheduled(j, 4, 2)
    return {org: events for org, events in by_org.items() if events}
