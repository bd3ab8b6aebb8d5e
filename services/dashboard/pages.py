"""The dashboard's pages: login, logout and the escalation queue."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlparse

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from services.access.policy import escalation_scope
from services.dashboard.labels import SEVERITY_NL, STATUS_NL, datum
from services.dashboard.sessions import check_csrf, csrf_token, login, logout, session_user_id
from services.db.errors import in_thread
from services.directory.model import Role, User
from services.errors import UnauthenticatedError
from services.escalations.model import EscalationFilter, Status
from services.gateway.deps import get_runtime
from services.security.passwords import verify_password

router = APIRouter(include_in_schema=False)

ROLE_NL = {
    Role.TASKFORCE: "taskforce",
    Role.LIAISON: "contactpersoon",
    Role.RESIDENT: "bewonersvertegenwoordiger",
    Role.ADMIN: "beheerder",
}
ACTIVE_STATUSES = tuple(status for status in Status if status not in (Status.RESOLVED, Status.WITHDRAWN))


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
    }
    return templates(request).TemplateResponse(request, name, {**common, **context}, status_code=status_code)


@router.get("/")
async def home(request: Request) -> Response:
    target = "/escalaties" if session_user_id(request) is not None else "/login"
    return RedirectResponse(target, status_code=303)


@router.get("/login")
async def login_form(request: Request, next: str = "/escalaties") -> HTMLResponse:
    return render(request, "login.html", {"next": _safe_next(next), "name": "", "error": None})


@router.post("/login")
async def login_submit(
    request: Request,
    name: Annotated[str, Form(max_length=100)],
    password: Annotated[str, Form(max_length=1000)],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/escalaties",
) -> Response:
    check_csrf(request, csrf_token)
    runtime = get_runtime(request)
    stored = await in_thread(runtime.directory.password_hash, name)
    valid = await in_thread(verify_password, runtime.password_hasher, stored, password)
    user = await in_thread(runtime.directory.user, name) if valid else None
    if user is None:
        context = {
            "next": _safe_next(next),
            "name": name,
            "error": "Onbekende gebruikersnaam of onjuist wachtwoord.",
        }
        return render(request, "login.html", context, status_code=401)
    login(request, user.id)
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
async def logout_submit(request: Request, csrf_token: Annotated[str, Form()] = "") -> Response:
    check_csrf(request, csrf_token)
    logout(request)
    return RedirectResponse("/login", status_code=303)


@router.get("/escalaties")
async def escalation_queue(request: Request, status: str = "actief") -> HTMLResponse:
    user = await web_user(request)
    statuses = _statuses(status)
    query = EscalationFilter(status=statuses, limit=200)
    page = await in_thread(get_runtime(request).escalations.list, query, escalation_scope(user))
    registry = get_runtime(request).registry

    def buurt_name(code: str) -> str:
        buurt = registry.get(code)
        return buurt.name if buurt else code

    return render(
        request,
        "escalations.html",
        {
            "user": user,
            "active": "escalaties",
            "page": page,
            "status": status if statuses != ACTIVE_STATUSES or status == "actief" else "actief",
            "statuses": [(item.value, STATUS_NL[item]) for item in Status],
            "buurt_name": buurt_name,
        },
    )


def _statuses(value: str) -> tuple[Status, ...] | None:
    if value == "alle":
        return None
    if value in {item.value for item in Status}:
        return (Status(value),)
    return ACTIVE_STATUSES


def _safe_next(target: str) -> str:
    """Only local paths: a login form must not redirect to another site."""
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return "/escalaties"
    return target
