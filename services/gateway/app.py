"""The HTTP app: gateway, API and dashboard on one port (`create_app`, no import-time state)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.middleware.gzip import GZipMiddleware
from starlette.middleware.sessions import SessionMiddleware

from services.api.audit import router as audit_router
from services.api.connectors import router as connectors_router
from services.api.escalations import router as escalations_router
from services.api.silences import router as silences_router
from services.config import Settings
from services.dashboard.live_feed import LiveFeed
from services.dashboard.live_poller import live_poller
from services.dashboard.routes import dashboard_routers
from services.escalations.relay import relay_decisions
from services.gateway.events_route import router as events_router
from services.gateway.health import router as health_router
from services.gateway.runtime import Runtime, build_runtime
from services.gateway.zgw_route import load_zgw_callbacks
from services.gateway.zgw_route import router as zgw_router
from services.http.nul_guard import NulGuard
from services.http.problems import install_error_handlers

SESSION_MAX_AGE_S = 8 * 3600


def create_app(settings: Settings, runtime: Runtime | None = None) -> FastAPI:
    """The gateway+dashboard app for `settings`; `runtime` lets tests inject their own."""
    built = runtime or build_runtime(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.runtime = built
        relay = asyncio.create_task(relay_decisions(built.taskforce, settings.decision_relay_interval_s))
        live = asyncio.create_task(live_poller(built, app.state.live_feed, app.state.templates.env).run())
        try:
            yield
        finally:
            app.state.live_feed.close()  # ends the live streams (serving.GatewayServer does so earlier)
            for task in (relay, live):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            built.close()

    app = FastAPI(
        title="wijkbrug",
        summary="Event-driven integration hub: verbind de wijk met het systeem",
        version="1",
        lifespan=lifespan,
    )
    app.state.runtime = built
    app.state.zgw = load_zgw_callbacks(settings)
    app.state.templates = Jinja2Templates(directory=str(files("services.dashboard") / "templates"))
    app.state.live_feed = LiveFeed()
    app.add_middleware(
        SessionMiddleware,
        secret_key=built.session_secret,
        session_cookie="wijkbrug_session",
        max_age=SESSION_MAX_AGE_S,
        same_site="lax",
        https_only=settings.secure_cookies,
    )
    # Pages carry the buurt map inline (~100 KB of SVG); live streams (text/event-stream) are never zipped.
    app.add_middleware(GZipMiddleware, minimum_size=2048)
    # Outermost: a URL with a NUL character is refused before sessions, routes or the database see it.
    app.add_middleware(NulGuard)
    install_error_handlers(app)
    app.include_router(health_router)
    app.include_router(events_router)
    app.include_router(escalations_router)
    app.include_router(connectors_router)
    app.include_router(audit_router)
    app.include_router(silences_router)
    app.include_router(zgw_router)
    for router in dashboard_routers():
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=str(files("services.dashboard") / "static")), name="static")
    return app
