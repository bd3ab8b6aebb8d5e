"""GET /api/v1/escalations and /api/v1/escalations/{id} (PRODUCT.md "Interfaces that stay stable")."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from services.access.policy import escalation_scope
from services.db.errors import in_thread
from services.directory.model import User
from services.errors import NotFoundError
from services.escalations.model import EscalationFilter, EscalationView, Severity, Status
from services.gateway.deps import api_user, get_runtime

router = APIRouter(prefix="/api/v1/escalations", tags=["escalations"])


class EvidenceOut(BaseModel):
    """An event that shows the clash."""

    id: str
    type: str
    label: str
    source: str
    org: str
    time: datetime


class EscalationOut(BaseModel):
    """One escalation."""

    id: int
    dedup_key: str
    rule: str
    title: str
    severity: Severity
    status: Status
    buurt: str
    subject: str
    organisations: list[str]
    policies: list[dict[str, str]]
    evidence: list[EvidenceOut]
    opened_at: datetime
    updated_at: datetime
    withdrawn_at: datetime | None
    version: int


class EscalationPage(BaseModel):
    """A page of escalations."""

    items: list[EscalationOut]
    total: int
    limit: int
    offset: int


class EscalationNotFoundError(NotFoundError):
    """No escalation with this id that the user may see."""

    code = "escalation_not_found"


@router.get("", response_model=EscalationPage)
async def list_escalations(
    request: Request,
    user: Annotated[User, Depends(api_user)],
    status: Annotated[list[Status] | None, Query(description="one or more statuses")] = None,
    buurt: Annotated[str | None, Query(pattern=r"^BU[0-9]{4}[0-9A-Z]{4}$")] = None,
    rule: Annotated[str | None, Query(max_length=100)] = None,
    severity: Severity | None = None,
    subject: Annotated[str | None, Query(max_length=140)] = None,
    org: Annotated[str | None, Query(max_length=63)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> EscalationPage:
    """Escalations the user may see, most recently updated first."""
    query = EscalationFilter(
        status=tuple(status) if status else None,
        buurt=buurt,
        rule=rule,
        severity=severity,
        subject=subject,
        org=org,
        limit=limit,
        offset=offset,
    )
    page = await in_thread(get_runtime(request).escalations.list, query, escalation_scope(user))
    return EscalationPage(
        items=[_out(item) for item in page.items], total=page.total, limit=limit, offset=offset
    )


@router.get("/{escalation_id}", response_model=EscalationOut)
async def get_escalation(
    request: Request, escalation_id: int, user: Annotated[User, Depends(api_user)]
) -> EscalationOut:
    """One escalation with its evidence."""
    found = await in_thread(get_runtime(request).escalations.get, escalation_id, escalation_scope(user))
    if found is None:
        raise EscalationNotFoundError(f"no escalation {escalation_id} that you may see")
    return _out(found)


def _out(view: EscalationView) -> EscalationOut:
    return EscalationOut(
        id=view.id,
        dedup_key=view.dedup_key,
        rule=view.rule,
        title=view.title,
        severity=view.severity,
        status=view.status,
        buurt=view.buurt,
        subject=view.subject,
        organisations=list(view.organisations),
        policies=[{key: str(value) for key, value in policy.items()} for policy in view.policies],
        evidence=[
            EvidenceOut(id=e.event_id, type=e.type, label=e.label, source=e.source, org=e.org, time=e.time)
            for e in view.evidence
        ],
        opened_at=view.opened_at,
        updated_at=view.updated_at,
        withdrawn_at=view.withdrawn_at,
        version=view.version,
    )
