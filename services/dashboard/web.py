"""What every dashboard page shares: the logged-in user, rendering with the common context."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from services.dashboard.labels import SEVERITY_NL, STATUS_NL, datum
from services.dashboard.sessions import csrf_token, session_user_id
from services.db.errors import in_thread
from services.directory.model import Role, User
from services.errors import UnauthenticatedError
from services.gateway.deps import get_runtime

ROLE_NL = {
    Role.TASKFORCE: "taskforce",
    Role.LIAISON: "contactpersoon",
    Role.RESIDENT: "bewonersvertegenwoordiger",
    Role.ADMIN: "beheerder",
}

#: The main menu: (key, path, label, roles that see it). A page passes its key as `active`.
NAV_ITEMS = (
    ("overzicht", "/overzicht", "Overzicht", ("taskforce", "liaison", "resident", "admin")),
    ("escalaties", "/escalaties", "Escalaties", ("taskforce", "liaison", "resident", "admin")),
    ("knelpunten", "/knelpunten", "Knelpunten", ("taskforce", "liaison", "resident", "admin")),
    ("stiltes", "/stiltes", "Stiltes", ("taskforce", "admin")),
    ("beheer", "/beheer", "Beheer", ("admin",)),
    ("audit", "/audit", "Auditlog", ("admin",)),
)


class LoginRequiredError(UnauthenticatedError):
    """A page that needs a logged-in user."""

    code = "login_required"


def templates(request: Request) -> Jinja2Templates:
    """The app's template renderer (built by the app factory)."""
    renderer: Jinja2Templates = request.app.state.templates
    return renderer


async def web_user(request: Request) -> User:
    """The logged-in user, or LoginRequiredError (the error handler redirects to the login page)."""
    user_id = session_user_id(request)
    user = (
        await in_thread(get_runtime(request).directory.user_by_id, user_id) if user_id is not None else None
    )
    if user is None:
        raise LoginRequiredError("log in to see this page")
    return user


def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    """A page with the common context (user, CSRF token, Dutch labels)."""
    user = context.get("user")
    common = {
        "csrf_token": csrf_token(request),
        "role_nl": ROLE_NL.get(user.role, "") if isinstance(user, User) else "",
        "datum": datum,
        "severity_nl": SEVERITY_NL,
        "status_nl": STATUS_NL,
        "nav_items": NAV_ITEMS,
    }
    return templates(request).TemplateResponse(request, name, {**common, **context}, status_code=status_code)
