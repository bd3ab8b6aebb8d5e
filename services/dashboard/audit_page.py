"""/audit: administrators read the audit log in the dashboard (filter, pages) and export it as CSV."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from services.audit.export import audit_csv
from services.dashboard.admin_page import admin_web_user
from services.dashboard.web import render
from services.db.errors import in_thread
from services.gateway.deps import get_runtime

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 100
EXPORT_LIMIT = 100_000


@router.get("/audit")
async def audit_log(
    request: Request,
    actor: Annotated[str, Query(max_length=100)] = "",
    target: Annotated[str, Query(max_length=100)] = "",
    pagina: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    user = await admin_web_user(request)
    entries, total = await in_thread(
        get_runtime(request).audit.entries,
        target=target or None,
        actor=actor or None,
        limit=PAGE_SIZE,
        offset=(pagina - 1) * PAGE_SIZE,
    )
    filters = {key: value for key, value in (("actor", actor), ("target", target)) if value}
    pages = max(1, -(-total // PAGE_SIZE))
    return render(
        request,
        "audit.html",
        {
            "user": user,
            "active": "audit",
            "entries": entries,
            "total": total,
            "actor": actor,
            "target": target,
            "page": pagina,
            "pages": pages,
            "query": lambda **extra: urlencode({**filters, **extra}),
        },
    )


@router.get("/audit.csv")
async def audit_export(
    request: Request,
    actor: Annotated[str, Query(max_length=100)] = "",
    target: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    user = await admin_web_user(request)
    runtime = get_runtime(request)
    entries, _ = await in_thread(
        runtime.audit.entries, target=target or None, actor=actor or None, limit=EXPORT_LIMIT
    )
    await in_thread(runtime.audit.record, user.name, user.role.value, "audit.export", "audit", {})
    return Response(
        audit_csv(entries),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="wijkbrug-audit.csv"'},
    )
