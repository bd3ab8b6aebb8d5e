"""The dashboard's entry pages: home, login and logout (the queue is services.dashboard.queue_page)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlparse

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.dashboard.sessions import check_csrf, login, logout, session_user_id
from services.dashboard.web import render
from services.db.errors import in_thread
from services.gateway.deps import get_runtime
from services.http.params import FormText, NulFree
from services.security.passwords import verify_password

router = APIRouter(include_in_schema=False)

#: Where a logged-in user lands: the overview of the buurten.
LANDING = "/overzicht"


@router.get("/")
async def home(request: Request) -> Response:
    target = LANDING if session_user_id(request) is not None else "/login"
    return RedirectResponse(target, status_code=303)


@router.get("/login")
async def login_form(request: Request, next: str = LANDING) -> HTMLResponse:
    return render(request, "login.html", {"next": _safe_next(next), "name": "", "error": None})


@router.post("/login")
async def login_submit(
    request: Request,
    name: Annotated[NulFree, Form(max_length=100)],
    password: Annotated[NulFree, Form(max_length=1000)],
    csrf_token: FormText = "",
    next: FormText = LANDING,
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
async def logout_submit(request: Request, csrf_token: FormText = "") -> Response:
    check_csrf(request, csrf_token)
    logout(request)
    return RedirectResponse("/login", status_code=303)


def _safe_next(target: str) -> str:
    """Only local paths: a login form must not redirect to another site."""
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return LANDING
    return target
