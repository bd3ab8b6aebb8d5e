"""GET /api/v1/audit (JSON, paged) and /api/v1/audit.csv (export): administrators read the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from services.audit.export import audit_csv
from services.audit.model import AuditEntry
from services.db.errors import in_thread
from services.directory.model import Role, User
from services.errors import PermissionDeniedError
from services.gateway.deps import api_user, get_runtime
from services.http.params import Offset
from services.http.responses import API_ERRORS

router = APIRouter(prefix="/api/v1", tags=["audit"], responses=API_ERRORS)
EXPORT_LIMIT = 100_000


class AuditEntryOut(BaseModel):
    """One view or change."""

    id: int
    at: datetime
    actor: str
    role: str
    action: str
    target: str
    detail: dict[str, Any]


class AuditPage(BaseModel):
    """A page of the audit log, newest first."""

    items: list[AuditEntryOut]
    total: int
    limit: int
    offset: int


class AuditForbiddenError(PermissionDeniedError):
    """Only administrators read the audit log."""

    code = "admin_only"


async def admin_user(user: Annotated[User, Depends(api_user)]) -> User:
    """The request's user if an administrator; 403 otherwise."""
    if user.role is not Role.ADMIN:
        raise AuditForbiddenError("only administrators may read the audit log")
    return user


@router.get("/audit", response_model=AuditPage)
async def audit_log(
    request: Request,
    user: Annotated[User, Depends(admin_user)],
    target: Annotated[str | None, Query(max_length=100, description="e.g. escalation:12")] = None,
    actor: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Offset = 0,
) -> AuditPage:
    """Who saw or changed what, newest first."""
    entries, total = await in_thread(
        get_runtime(request).audit.entries, target=target, actor=actor, limit=limit, offset=offset
    )
    return AuditPage(items=[_out(entry) for entry in entries], total=total, limit=limit, offset=offset)


@router.get("/audit.csv", response_class=Response)
async def audit_export(
    request: Request,
    user: Annotated[User, Depends(admin_user)],
    target: Annotated[str | None, Query(max_length=100)] = None,
    actor: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    """The audit log as CSV (newest first, at most 100,000 entries)."""
    runtime = get_runtime(request)
    entries, _ = await in_thread(runtime.audit.entries, target=target, actor=actor, limit=EXPORT_LIMIT)
    await in_thread(runtime.audit.record, user.name, user.role.value, "audit.export", "audit", {})
    return Response(
        audit_csv(entries),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="wijkbrug-audit.csv"'},
    )


def _out(entry: AuditEntry) -> AuditEntryOut:
    return AuditEntryOut(
        id=entry.id or 0,
        at=entry.at,
        actor=entry.actor,
        role=entry.role,
        action=entry.action,
        target=entry.target,
        detail=entry.detail,
    )
