"""The knelpunten page and its CSV export: which rules and organisational policies clash most, where and
over time; the taskforce's evidence for changing rules ("ontschotting")."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from services.access.policy import aggregate_scope
from services.dashboard.knelpunten_csv import csv_filename, knelpunten_csv
from services.dashboard.knelpunten_query import PERIODS, KnelpuntenFilter, read_filter, wijk_choices
from services.dashboard.knelpunten_report import KnelpuntenReport, knelpunten_report
from services.dashboard.labels import AMSTERDAM, MONTHS_NL
from services.dashboard.numbers import getal, procent
from services.dashboard.web import render, web_user
from services.db.errors import in_thread
from services.db.types import utcnow
from services.directory.model import User
from services.gateway.deps import get_runtime
from services.reports.areas import Wijk

router = APIRouter(include_in_schema=False)

PAGE_PATH = "/knelpunten"
#: The page lists this many wijken and buurten; the CSV has them all.
TOP_AREAS = 20

Periode = Annotated[str, Query(max_length=10)]
WijkCode = Annotated[str, Query(max_length=20)]


@router.get(PAGE_PATH)
async def knelpunten_page(request: Request, periode: Periode = "", wijk: WijkCode = "") -> HTMLResponse:
    user = await web_user(request)
    chosen, choices, report = await _report(request, user, periode, wijk)
    return render(
        request,
        "knelpunten.html",
        {
            "user": user,
            "active": "knelpunten",
            "filter": chosen,
            "periods": PERIODS,
            "wijken": choices,
            "report": report,
            "top_wijken": report.wijken[:TOP_AREAS],
            "top_buurten": report.buurten[:TOP_AREAS],
            "csv_href": f"{PAGE_PATH}.csv?{urlencode(chosen.params())}",
            "getal": getal,
            "procent": procent,
            "datum_kort": datum_kort,
        },
    )


@router.get(f"{PAGE_PATH}.csv")
async def knelpunten_export(request: Request, periode: Periode = "", wijk: WijkCode = "") -> Response:
    user = await web_user(request)
    chosen, _, report = await _report(request, user, periode, wijk)
    filename = csv_filename(report, chosen.wijk.code if chosen.wijk else None)
    return Response(
        content=knelpunten_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


async def _report(
    request: Request, user: User, periode: str, wijk: str
) -> tuple[KnelpuntenFilter, tuple[Wijk, ...], KnelpuntenReport]:
    runtime = get_runtime(request)
    scope = aggregate_scope(user)
    choices = wijk_choices(runtime.registry, scope)
    chosen = read_filter(periode, wijk, choices)
    figures = await in_thread(runtime.reports.knelpunten, scope, chosen.query(utcnow(), AMSTERDAM))
    organisations = await in_thread(runtime.directory.organisations)

    def wijk_href(code: str) -> str:
        return f"{PAGE_PATH}?{urlencode({'periode': str(chosen.period), 'wijk': code})}"

    names = {org.slug: org.name for org in organisations}
    return chosen, choices, knelpunten_report(figures, runtime.registry, names, wijk_href)


def datum_kort(day: date) -> str:
    """A date in Dutch, e.g. '1 dec 2025'."""
    return f"{day.day} {MONTHS_NL[day.month - 1]} {day.year}"
