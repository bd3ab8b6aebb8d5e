"""The overview page: the buurt map shaded by open escalations per 1,000 residents, the same figures as a
table, open escalations per rule and severity, and escalations opened per week."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from services.access.policy import aggregate_scope
from services.dashboard.barchart import bar_chart
from services.dashboard.choropleth import Choropleth, choropleth
from services.dashboard.labels import AMSTERDAM, MONTHS_NL
from services.dashboard.numbers import getal, per_duizend
from services.dashboard.web import render, web_user
from services.db.errors import in_thread
from services.db.types import utcnow
from services.directory.model import Role, User
from services.escalations.model import Scope, Severity
from services.gateway.deps import get_runtime
from services.geo.registry import BuurtRegistry
from services.reports.model import Bucket, Overview
from services.reports.periods import iso_weeks

router = APIRouter(include_in_schema=False)

TREND_WEEKS = 12
TOP_BUURTEN = 15


@dataclass(frozen=True)
class BuurtRow:
    """A row of the table next to the map."""

    code: str
    name: str
    wijk_name: str
    open: int
    population: str
    rate: str


@dataclass(frozen=True)
class RuleRow:
    """Open escalations of one rule, per severity."""

    rule: str
    title: str
    per_severity: dict[Severity, int]
    total: int


@router.get("/overzicht")
async def overview_page(request: Request) -> HTMLResponse:
    user = await web_user(request)
    runtime = get_runtime(request)
    scope = aggregate_scope(user)
    weeks = iso_weeks(utcnow(), TREND_WEEKS, AMSTERDAM)
    figures = await in_thread(runtime.reports.overview, scope, weeks)
    registry = runtime.registry
    shaded: Choropleth | None = None
    if len(registry):
        buurt_map = await in_thread(runtime.buurt_maps.for_registry, registry)
        shaded = choropleth(
            buurt_map,
            registry,
            figures.open_per_buurt,
            lambda code: in_scope(scope, code),
            "buiten uw buurten: geen cijfers" if user.role is Role.RESIDENT else "geen cijfers voor u",
        )
    rows = buurt_rows(figures, registry, scope)
    return render(
        request,
        "overview.html",
        {
            "user": user,
            "active": "overzicht",
            "scope_text": scope_text(user, registry),
            "total_open": figures.total_open,
            "map": shaded,
            "top_buurten": rows[:TOP_BUURTEN],
            "more_buurten": max(0, len(rows) - TOP_BUURTEN),
            "rules": rule_rows(figures),
            "severities": list(Severity)[::-1],
            "trend": figures.trend,
            "week_label": week_label,
            "chart": bar_chart(
                [(f"wk {bucket.key[-2:].lstrip('0')}", count) for bucket, count in figures.trend]
            ),
            "getal": getal,
        },
    )


def in_scope(scope: Scope, code: str) -> bool:
    """Whether the figures of buurt `code` are the reader's to see (a resident: only their buurten)."""
    if scope.buurten:
        return code in scope.buurten
    return scope.everything or scope.org is not None


def scope_text(user: User, registry: BuurtRegistry) -> str:
    """What the figures cover, in Dutch."""
    if user.role is Role.LIAISON:
        return (
            f"escalaties waarbij {user.org} betrokken is"
            if user.org
            else "geen escalaties (geen organisatie)"
        )
    if user.role is Role.RESIDENT:
        names = sorted((buurt.name if (buurt := registry.get(code)) else code) for code in user.buurten)
        return f"alle escalaties in uw buurten: {', '.join(names)}" if names else "geen buurten"
    return "alle escalaties in de gemeente"


def buurt_rows(figures: Overview, registry: BuurtRegistry, scope: Scope) -> list[BuurtRow]:
    """Buurten with open escalations, most first (then the highest rate, then by name)."""
    rows = []
    for code, count in figures.open_per_buurt.items():
        if not in_scope(scope, code):
            continue
        buurt = registry.get(code)
        population = buurt.population if buurt else None
        rate = 1000 * count / population if population else None
        rows.append(
            (
                -count,
                -(rate or 0.0),
                buurt.name if buurt else code,
                BuurtRow(
                    code=code,
                    name=buurt.name if buurt else code,
                    wijk_name=buurt.wijk_name if buurt else "",
                    open=count,
                    population=getal(population) if population else "onbekend",
                    rate=per_duizend(rate) if rate is not None else "onbekend",
                ),
            )
        )
    return [row for *_, row in sorted(rows, key=lambda item: item[:3])]


def rule_rows(figures: Overview) -> list[RuleRow]:
    """Open escalations per rule (most first), split by severity."""
    titles: dict[str, str] = {}
    counts: dict[str, dict[Severity, int]] = {}
    for item in figures.by_rule_severity:
        titles[item.rule] = item.title
        counts.setdefault(item.rule, {})[item.severity] = item.count
    rows = [
        RuleRow(rule=rule, title=titles[rule], per_severity=counts[rule], total=sum(counts[rule].values()))
        for rule in titles
    ]
    return sorted(rows, key=lambda row: (-row.total, row.title))


def week_label(bucket: Bucket) -> str:
    """'week 42 (vanaf 12 okt 2026)'."""
    start = bucket.start.astimezone(AMSTERDAM)
    return f"week {int(bucket.key[-2:])} (vanaf {start.day} {MONTHS_NL[start.month - 1]} {start.year})"
