"""The escalation queue (GET /escalaties): filters, sort, paging, SLA badges and live updates.

Filters are a plain GET form, so every view of the queue is a link that can be bookmarked and shared
within the user's scope; the live stream (services.dashboard.live_page) takes the same parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from schemas.identifiers import SubjectKind
from services.access.policy import escalation_scope
from services.dashboard.labels import SEVERITY_NL, STATUS_NL
from services.dashboard.queue_query import ALL, PAGE_SIZE, RUNNING, SORTS, QueueQuery, parse_queue_query
from services.dashboard.queue_rows import queue_row
from services.dashboard.web import render, web_user
from services.db.errors import in_thread
from services.db.types import utcnow
from services.directory.model import Organisation, Role, User
from services.escalations.model import EscalationSort, Severity, Status
from services.gateway.deps import get_runtime
from services.gateway.runtime import Runtime
from services.geo.model import Buurt

router = APIRouter(include_in_schema=False)

SORT_NL = {
    EscalationSort.UPDATED: "Laatst bijgewerkt",
    EscalationSort.OPENED: "Laatst geopend",
    EscalationSort.SEVERITY: "Ernst (hoog eerst)",
    EscalationSort.BUURT: "Buurt",
}


@dataclass(frozen=True)
class WijkOption:
    """A wijk and its buurten, for the filter's choices."""

    code: str
    name: str
    buurten: tuple[Buurt, ...]


async def read_queue_query(request: Request) -> tuple[QueueQuery, Sequence[Organisation]]:
    """The queue query in the request's URL, and the organisations (the choices of its filter)."""
    runtime = get_runtime(request)
    organisations = await in_thread(runtime.directory.organisations)
    query = parse_queue_query(
        request.query_params,
        runtime.registry,
        rules=frozenset(rule.id for rule in runtime.rules),
        orgs=frozenset(org.slug for org in organisations),
    )
    return query, organisations


@router.get("/escalaties")
async def escalation_queue(request: Request) -> HTMLResponse:
    user = await web_user(request)
    runtime = get_runtime(request)
    query, organisations = await read_queue_query(request)
    page = await in_thread(runtime.escalations.list, query.filter(runtime.registry), escalation_scope(user))
    now = utcnow()
    pages = max((page.total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    return render(
        request,
        "queue.html",
        {
            "user": user,
            "active": "escalaties",
            "query": query,
            "rows": [queue_row(item, runtime.registry, runtime.sla, now) for item in page.items],
            "total": page.total,
            "pages": pages,
            "previous_url": query.url(page=query.page - 1) if query.page > 1 else None,
            "next_url": query.url(page=query.page + 1) if query.page < pages else None,
            "first_url": query.url(page=1),
            "live_url": query.live_url(),
            # New rows go on top only where they belong there: the first page, newest first.
            "live_insert": query.page == 1 and SORTS[query.sort] is EscalationSort.UPDATED,
            "statuses": [(RUNNING, "Lopend"), *_status_options(), (ALL, "Alle")],
            "severities": [(item.value, SEVERITY_NL[item]) for item in Severity],
            "wijken": _wijk_options(runtime, user),
            "rules": _rule_options(runtime, user),
            "organisations": [(org.slug, org.name) for org in sorted(organisations, key=lambda o: o.name)],
            "sorts": [(value, SORT_NL[sort]) for value, sort in SORTS.items()],
            "sort_label": SORT_NL[SORTS[query.sort]],
        },
    )


def _rule_options(runtime: Runtime, user: User) -> list[tuple[str, str]]:
    """The rules by title; for a resident representative only those about initiatives (all they see)."""
    rules = [
        rule
        for rule in runtime.rules
        if user.role is not Role.RESIDENT or SubjectKind.INITIATIVE in rule.subjects
    ]
    return sorted(((rule.id, rule.title) for rule in rules), key=lambda pair: pair[1])


def _status_options() -> list[tuple[str, str]]:
    return [(item.value, STATUS_NL[item]) for item in Status]


def _wijk_options(runtime: Runtime, user: User) -> Sequence[WijkOption]:
    """The wijken with their buurten by name; a resident representative's own buurten only."""
    own = user.buurten if user.role is Role.RESIDENT else None
    by_wijk: dict[str, list[Buurt]] = {}
    for buurt in runtime.registry:
        if own is None or buurt.code in own:
            by_wijk.setdefault(buurt.wijk_code, []).append(buurt)
    options = [
        WijkOption(code, buurten[0].wijk_name, tuple(sorted(buurten, key=lambda b: b.name)))
        for code, buurten in by_wijk.items()
    ]
    return sorted(options, key=lambda option: option.name)
