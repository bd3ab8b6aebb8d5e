"""GET /healthz: 503 until the broker, the database, the processor and the sink are ready, then 200.

Orchestrators probe narrower scopes: `?scope=instance` (readiness of this gateway: it can accept events,
i.e. broker and database are up, whatever the workers do) and `?scope=process` (liveness: it answers).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from services.db.errors import DatabaseUnavailableError, in_thread
from services.db.migrate import current_revision
from services.db.types import utcnow
from services.gateway.deps import get_runtime
from services.gateway.runtime import Runtime
from services.health.heartbeats import READY, ComponentState

router = APIRouter()

BACKGROUND = ("processor", "sink")


@router.get("/healthz", tags=["health"])
async def healthz(
    request: Request, scope: Literal["deployment", "instance", "process"] = "deployment"
) -> JSONResponse:
    """Readiness of the whole deployment (default), of this gateway instance, or liveness of the process."""
    if scope == "process":
        return JSONResponse({"status": "ok", "components": {"gateway": {"state": "up"}}})
    runtime = get_runtime(request)
    components: dict[str, dict[str, Any]] = {
        "gateway": {"state": "up"},
        "broker": await _broker(runtime),
        "database": await _database(runtime),
    }
    states: list[ComponentState] = []
    if components["database"]["state"] == "up":
        stale = timedelta(seconds=runtime.settings.heartbeat_stale_s)
        try:
            states = await in_thread(runtime.heartbeats.fresh, stale)
        except DatabaseUnavailableError:
            components["database"] = {"state": "down", "error": "heartbeats could not be read"}
    for name in BACKGROUND if scope == "deployment" else ():
        components[name] = _background(name, states)
    ready = all(_is_ready(component) for component in components.values())
    body = {"status": "ok" if ready else "unavailable", "components": components}
    return JSONResponse(
        body, status_code=200 if ready else 503, headers={} if ready else {"Retry-After": "5"}
    )


def _is_ready(component: dict[str, Any]) -> bool:
    return component["state"] in {"up", READY}


async def _broker(runtime: Runtime) -> dict[str, Any]:
    if runtime.publisher is None:
        return {"state": "down", "error": "no broker is configured or running"}
    reachable = await in_thread(runtime.publisher.reachable)
    return {"state": "up" if reachable else "down", "bootstrap": runtime.bootstrap}


async def _database(runtime: Runtime) -> dict[str, Any]:
    def check() -> bool:
        with runtime.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return current_revision(runtime.engine) == runtime.schema_head

    try:
        current = await in_thread(check)
    except DatabaseUnavailableError as exc:
        return {"state": "down", "error": exc.message, "dialect": runtime.engine.dialect.name}
    if not current:
        return {"state": "down", "error": "schema is not migrated: run `wijkbrug db upgrade`"}
    return {"state": "up", "dialect": runtime.engine.dialect.name}


def _background(name: str, states: list[ComponentState]) -> dict[str, Any]:
    instances = [state for state in states if state.component == name]
    now = utcnow()
    return {
        "state": READY if any(state.state == READY for state in instances) else "down",
        "instances": [
            {
                "instance": state.instance,
                "state": state.state,
                "age_s": round((now - state.updated_at).total_seconds(), 1),
                **state.detail,
            }
            for state in sorted(instances, key=lambda state: state.instance)
        ],
    }
