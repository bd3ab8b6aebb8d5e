"""Every dashboard page router, in one list for the app factory (a new page module adds itself here)."""

from __future__ import annotations

from fastapi import APIRouter

from services.dashboard.admin_page import router as admin_router
from services.dashboard.audit_page import router as audit_router
from services.dashboard.detail_actions import router as detail_actions_router
from services.dashboard.detail_page import router as detail_router
from services.dashboard.knelpunten_page import router as knelpunten_router
from services.dashboard.live_page import router as live_router
from services.dashboard.overview_page import router as overview_router
from services.dashboard.pages import router as pages_router
from services.dashboard.queue_page import router as queue_router
from services.dashboard.silences_page import router as silences_router


def dashboard_routers() -> tuple[APIRouter, ...]:
    """The dashboard's routers, in the order the app includes them."""
    return (
        pages_router,
        overview_router,
        knelpunten_router,
        queue_router,
        live_router,
        detail_router,
        detail_actions_router,
        admin_router,
        audit_router,
        silences_router,
    )
