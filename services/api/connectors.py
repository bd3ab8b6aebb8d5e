"""GET /api/v1/connectors and the controls of Kafka Connect's REST API: pause, resume, restart, reset.

Reading is for the taskforce and admins (connector health is part of running the hub); controlling a
connector is for admins. The controls go through the state store, so they reach a connector running in
another process or on another machine within a poll.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from connectors.control import Control, apply_control
from connectors.errors import UnknownConnectorError
from connectors.model import ConnectorStatus, State
from connectors.state_sql import SqlConnectorStateStore
from services.db.errors import in_thread
from services.directory.model import Role, User
from services.errors import NotFoundError, PermissionDeniedError
from services.gateway.deps import api_user, get_runtime
from services.http.responses import API_ERRORS, NOT_FOUND

router = APIRouter(prefix="/api/v1/connectors", tags=["connectors"], responses={**API_ERRORS, **NOT_FOUND})

READERS = frozenset({Role.TASKFORCE, Role.ADMIN})
CONTROLLERS = frozenset({Role.ADMIN})


class ConnectorNotFoundError(NotFoundError):
    """No connector of this name has run in the deployment."""

    code = "connector_not_found"


class Counts(BaseModel):
    """What a connector did."""

    emitted: int
    dead_lettered: int
    retried: int


class ConnectorOut(BaseModel):
    """A connector's state, last success, counts and checkpoint."""

    name: str
    kind: str
    org: str
    state: State
    paused: bool
    checkpoint: dict[str, Any] | None
    counts: Counts
    last_success_at: datetime | None
    last_error: str | None
    updated_at: datetime


def _store(request: Request) -> SqlConnectorStateStore:
    return SqlConnectorStateStore(get_runtime(request).sessions)


def _allow(user: User, roles: frozenset[Role], what: str) -> None:
    if user.role not in roles:
        raise PermissionDeniedError(f"the role {user.role.value} may not {what}")


def _out(status: ConnectorStatus) -> ConnectorOut:
    return ConnectorOut(
        name=status.name,
        kind=status.kind,
        org=status.org,
        state=status.state,
        paused=status.paused,
        checkpoint=dict(status.checkpoint) if status.checkpoint is not None else None,
        counts=Counts(emitted=status.emitted, dead_lettered=status.dead_lettered, retried=status.retried),
        last_success_at=status.last_success_at,
        last_error=status.last_error,
        updated_at=status.updated_at,
    )


@router.get("", response_model=list[ConnectorOut])
async def list_connectors(request: Request, user: Annotated[User, Depends(api_user)]) -> list[ConnectorOut]:
    """Every connector that has run in this deployment."""
    _allow(user, READERS, "see connectors")
    return [_out(item) for item in await in_thread(_store(request).all)]


@router.get("/{name}", response_model=ConnectorOut)
async def get_connector(
    request: Request, name: str, user: Annotated[User, Depends(api_user)]
) -> ConnectorOut:
    """One connector."""
    _allow(user, READERS, "see connectors")
    found = await in_thread(_store(request).get, name)
    if found is None:
        raise ConnectorNotFoundError(f"no connector named {name!r} has run in this deployment")
    return _out(found)


async def _control(request: Request, name: str, user: User, control: Control) -> ConnectorOut:
    _allow(user, CONTROLLERS, f"{control.value} connectors")
    try:
        return _out(await in_thread(apply_control, _store(request), name, control))
    except UnknownConnectorError as exc:
        raise ConnectorNotFoundError(str(exc)) from exc


@router.put("/{name}/pause", response_model=ConnectorOut)
async def pause(request: Request, name: str, user: Annotated[User, Depends(api_user)]) -> ConnectorOut:
    """Pause: the connector stops polling (or consuming) until resumed."""
    return await _control(request, name, user, Control.PAUSE)


@router.put("/{name}/resume", response_model=ConnectorOut)
async def resume(request: Request, name: str, user: Annotated[User, Depends(api_user)]) -> ConnectorOut:
    """Resume after a pause."""
    return await _control(request, name, user, Control.RESUME)


@router.post("/{name}/restart", response_model=ConnectorOut)
async def restart(request: Request, name: str, user: Annotated[User, Depends(api_user)]) -> ConnectorOut:
    """Restart a connector that failed (under `wijkbrug up`, the supervisor starts it again)."""
    return await _control(request, name, user, Control.RESTART)


@router.delete("/{name}/offsets", response_model=ConnectorOut)
async def reset(request: Request, name: str, user: Annotated[User, Depends(api_user)]) -> ConnectorOut:
    """Forget the checkpoint: the connector reads its source from the start (the hub drops repeats)."""
    return await _control(request, name, user, Control.RESET)
