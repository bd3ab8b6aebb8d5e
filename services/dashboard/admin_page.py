"""/beheer: administrators manage users, organisations and their API tokens (every change audited)."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from schemas.identifiers import Domain
from services.dashboard.sessions import check_csrf
from services.dashboard.web import ROLE_NL, render, web_user
from services.db.errors import in_thread
from services.directory.model import Role, User
from services.errors import PermissionDeniedError, WijkbrugError
from services.gateway.deps import get_runtime
from services.http.params import FormText, NulFree
from services.http.problems import status_of
from services.security.passwords import hash_password

router = APIRouter(include_in_schema=False)

MIN_PASSWORD = 12
FLASH = "beheer_flash"


class AdminOnlyError(PermissionDeniedError):
    """A page only administrators may use."""

    code = "admin_only"


async def admin_web_user(request: Request) -> User:
    """The logged-in administrator; a 403 page for every other role."""
    user = await web_user(request)
    if user.role is not Role.ADMIN:
        raise AdminOnlyError("Alleen beheerders kunnen gebruikers, organisaties en tokens beheren.")
    return user


@router.get("/beheer")
async def admin_overview(request: Request) -> HTMLResponse:
    user = await admin_web_user(request)
    return await _page(request, user, {"notice": request.session.pop(FLASH, None)})


@router.post("/beheer/gebruikers")
async def add_user(
    request: Request,
    name: Annotated[NulFree, Form(max_length=100)],
    role: Annotated[NulFree, Form(max_length=20)],
    csrf_token: FormText = "",
    org: Annotated[NulFree, Form(max_length=100)] = "",
    buurten: Annotated[NulFree, Form(max_length=5000)] = "",
    password: Annotated[NulFree, Form(max_length=1000)] = "",
) -> Response:
    check_csrf(request, csrf_token)
    admin = await admin_web_user(request)
    runtime = get_runtime(request)
    codes = tuple(code for code in re.split(r"[\s,;]+", buurten.strip().upper()) if code)
    form = {"name": name, "role": role, "org": org, "buurten": buurten}
    if role not in {item.value for item in Role}:
        return await _page(request, admin, {"error": "Kies een rol.", "form": form}, 422)
    if password and len(password) < MIN_PASSWORD:
        message = f"Een wachtwoord heeft minstens {MIN_PASSWORD} tekens."
        return await _page(request, admin, {"error": message, "form": form}, 422)
    password_hash = await in_thread(hash_password, runtime.password_hasher, password) if password else None
    try:
        created, credential = await in_thread(
            lambda: runtime.directory.add_user(
                name, Role(role), org=org or None, buurten=codes, password_hash=password_hash
            )
        )
    except WijkbrugError as error:
        return await _page(request, admin, {"error": _dutch(error), "form": form}, _status(error))
    await _audit(request, admin, "user.add", f"user:{created.name}", {"role": role, "org": org or None})
    return await _page(request, admin, {"issued": ("gebruiker", created.name, credential.token)})


@router.post("/beheer/gebruikers/{name}/token")
async def new_user_token(request: Request, name: str, csrf_token: FormText = "") -> Response:
    check_csrf(request, csrf_token)
    admin = await admin_web_user(request)
    try:
        credential = await in_thread(get_runtime(request).directory.issue_user_token, name)
    except WijkbrugError as error:
        return await _page(request, admin, {"error": _dutch(error)}, _status(error))
    await _audit(request, admin, "user.token", f"user:{name}", {})
    return await _page(request, admin, {"issued": ("gebruiker", name, credential.token)})


@router.post("/beheer/gebruikers/{name}/blokkeren")
async def disable_user(request: Request, name: str, csrf_token: FormText = "") -> Response:
    check_csrf(request, csrf_token)
    admin = await admin_web_user(request)
    if name == admin.name:
        return await _page(request, admin, {"error": "U kunt uzelf niet blokkeren."}, 409)
    try:
        await in_thread(get_runtime(request).directory.disable_user, name)
    except WijkbrugError as error:
        return await _page(request, admin, {"error": _dutch(error)}, _status(error))
    await _audit(request, admin, "user.disable", f"user:{name}", {})
    request.session[FLASH] = f"Gebruiker {name} is geblokkeerd: inloggen en API-tokens werken niet meer."
    return RedirectResponse("/beheer", status_code=303)


@router.post("/beheer/organisaties")
async def add_organisation(
    request: Request,
    slug: Annotated[NulFree, Form(max_length=100)],
    domain: Annotated[NulFree, Form(max_length=30)],
    name: Annotated[NulFree, Form(max_length=200)],
    csrf_token: FormText = "",
) -> Response:
    check_csrf(request, csrf_token)
    admin = await admin_web_user(request)
    form = {"slug": slug, "domain": domain, "org_name": name}
    if domain not in {item.value for item in Domain}:
        return await _page(request, admin, {"error": "Kies een domein.", "form": form}, 422)
    try:
        _, credential = await in_thread(
            get_runtime(request).directory.add_organisation, slug, Domain(domain), name
        )
    except WijkbrugError as error:
        return await _page(request, admin, {"error": _dutch(error), "form": form}, _status(error))
    await _audit(request, admin, "org.add", f"org:{slug}", {"domain": domain})
    return await _page(request, admin, {"issued": ("organisatie", slug, credential.token)})


@router.post("/beheer/organisaties/{slug}/token")
async def new_org_token(request: Request, slug: str, csrf_token: FormText = "") -> Response:
    check_csrf(request, csrf_token)
    admin = await admin_web_user(request)
    try:
        credential = await in_thread(get_runtime(request).directory.issue_org_token, slug)
    except WijkbrugError as error:
        return await _page(request, admin, {"error": _dutch(error)}, _status(error))
    await _audit(request, admin, "org.token", f"org:{slug}", {})
    return await _page(request, admin, {"issued": ("organisatie", slug, credential.token)})


async def _page(request: Request, user: User, extra: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    directory = get_runtime(request).directory
    users = await in_thread(directory.users)
    organisations = await in_thread(directory.organisations)
    context: dict[str, Any] = {
        "user": user,
        "active": "beheer",
        "users": users,
        "organisations": organisations,
        "roles": [(role.value, ROLE_NL[role]) for role in Role],
        "role_names": {role.value: ROLE_NL[role] for role in Role},
        "domains": [domain.value for domain in Domain],
        "form": {},
        "error": None,
        "issued": None,
        "notice": None,
        **extra,
    }
    response = render(request, "admin.html", context, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"  # a page that may show a new token once
    return response


async def _audit(request: Request, admin: User, action: str, target: str, detail: dict[str, Any]) -> None:
    await in_thread(get_runtime(request).audit.record, admin.name, admin.role.value, action, target, detail)


def _status(error: WijkbrugError) -> int:
    return status_of(error)[0]


def _dutch(error: WijkbrugError) -> str:
    """The directory's messages name the field and value; the page says what went wrong in Dutch first."""
    return f"Niet gelukt: {error.message}"
