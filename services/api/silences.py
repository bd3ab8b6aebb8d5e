"""/api/v1/silences: list, create and end silences (taskforce and admin; every change is audited).

A silence mutes one rule for one subject or one buurt until `ends_at`; it ends by itself. Escalations it
covers stay stored and keep updating; the queue hides them by default (`silenced=false`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import AwareDatetime, BaseModel, Field

from services.api.inputs import InputModel
from services.directory.model import User
from services.gateway.deps import api_user, get_runtime
from services.http.params import RecordId
from services.http.responses import API_ERRORS, CONFLICT, NOT_FOUND
from services.silences.model import Silence, SilenceDraft

router = APIRouter(
    prefix="/api/v1/silences", tags=["silences"], responses={**API_ERRORS, **NOT_FOUND, **CONFLICT}
)


class SilenceIn(InputModel):
    """A new silence: one rule, exactly one of subject or buurt, until when, and why."""

    rule: str = Field(min_length=1, max_length=100)
    subject: str | None = Field(default=None, max_length=140, description="a subject pseudonym")
    buurt: str | None = Field(default=None, max_length=10, description="a CBS buurtcode")
    reason: str = Field(min_length=1, max_length=500)
    ends_at: AwareDatetime = Field(description="in the future, at most a year ahead")


class SilenceOut(BaseModel):
    """A silence and whether it mutes now."""

    id: int
    rule: str
    subject: str | None
    buurt: str | None
    reason: str
    created_by: str
    created_at: datetime
    ends_at: datetime
    expired_at: datetime | None
    expired_by: str | None
    active: bool


class SilenceList(BaseModel):
    """Silences, newest first."""

    items: list[SilenceOut]


@router.get("", response_model=SilenceList)
async def list_silences(
    request: Request,
    user: Annotated[User, Depends(api_user)],
    active: Annotated[bool | None, Query(description="true: only active; false: only ended")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> SilenceList:
    """Silences, newest first."""
    service = get_runtime(request).silences
    found = await service.listing(user, active=active, limit=limit)
    return SilenceList(items=_outs(found, service.now()))


@router.post("", response_model=SilenceOut, status_code=201)
async def create_silence(
    request: Request, body: SilenceIn, user: Annotated[User, Depends(api_user)]
) -> SilenceOut:
    """Mute a rule for a subject or a buurt until `ends_at`."""
    service = get_runtime(request).silences
    draft = SilenceDraft(
        rule=body.rule, subject=body.subject, buurt=body.buurt, reason=body.reason, ends_at=body.ends_at
    )
    return _out(await service.create(user, draft), service.now())


@router.post("/{silence_id}/expire", response_model=SilenceOut)
async def expire_silence(
    request: Request, silence_id: RecordId, user: Annotated[User, Depends(api_user)]
) -> SilenceOut:
    """End an active silence now."""
    service = get_runtime(request).silences
    return _out(await service.expire(user, silence_id), service.now())


def _outs(silences: Sequence[Silence], now: datetime) -> list[SilenceOut]:
    return [_out(silence, now) for silence in silences]


def _out(silence: Silence, now: datetime) -> SilenceOut:
    return SilenceOut(
        id=silence.id,
        rule=silence.rule,
        subject=silence.subject,
        buurt=silence.buurt,
        reason=silence.reason,
        created_by=silence.created_by,
        created_at=silence.created_at,
        ends_at=silence.ends_at,
        expired_at=silence.expired_at,
        expired_by=silence.expired_by,
        active=silence.active_at(now),
    )
