"""Every route of the app x every role (and no login) -> the status it must answer, from ONE table.

The table below is the access contract of the API and the dashboard. The first test lists the app's routes
and fails when one has no row (or a row names a route that no longer exists), so a new route cannot ship
without a rule. Every cell is then requested over real HTTP (uvicorn, so the live stream is a real stream)
as a user of that role, logged in through the form for pages and with an API token for the API.

What a cell expects:
- OK: the role may do this. Any 2xx, a 3xx that is not the way to the login page, or a 409 (the action was
  allowed but the escalation's state or version no longer fits: earlier cells moved it along);
- LOGIN: no login: 401 for the API, 303 to /login?next=... for a page;
- a number: exactly that status (403 may not, 404 may not even know it exists, 401 wrong kind of token).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.directory.model import Role
from services.escalations.model import Scope
from services.gateway.app import create_app
from services.gateway.serving import GatewayServer, gateway_server
from services.process.children import free_port
from services.silences.model import SilenceDraft
from tests.support.dashboard import World, cheap_password_hash, csrf_of, log_in, running_world
from tests.support.databases import DatabaseFactory
from tests.support.events import DAM_BUURT
from tests.support.waiting import eventually

pytestmark = pytest.mark.db

ROLES = ("anonymous", "taskforce", "liaison", "resident", "admin")
USER_OF = {"taskforce": "anna", "liaison": "lisa", "resident": "rik", "admin": "bea"}
OK = "ok"
LOGIN = "login"
Expect = str | int

#: Placeholders in paths, filled from the world: a household escalation involving the liaison's organisation
#: (the resident must never see it), that organisation, a silence, a user and an organisation to act on.
PLACEHOLDERS: dict[str, Callable[[MatrixWorld], str]] = {
    "escalation_id": lambda world: str(world.world.ids["eviction"]),
    "org": lambda world: "woonstad",
    "silence_id": lambda world: str(world.silence_id),
    "name": lambda world: "victim",
    "slug": lambda world: "woonstad",
}


@dataclass(frozen=True)
class Rule:
    """The expected answer per role, and what to send."""

    expect: dict[str, Expect]
    body: Callable[[MatrixWorld], dict[str, Any]] | None = None
    stream: bool = False
    params: dict[str, str] = field(default_factory=dict)


def api(
    taskforce: Expect, liaison: Expect, resident: Expect, admin: Expect, anonymous: Expect = LOGIN, **kw: Any
) -> Rule:
    roles = {"taskforce": taskforce, "liaison": liaison, "resident": resident, "admin": admin}
    return Rule(expect={"anonymous": anonymous, **roles}, **kw)


page = api  # the same shape; LOGIN means the login redirect for a page


def everyone(expect: Expect, **kw: Any) -> Rule:
    return Rule(expect=dict.fromkeys(ROLES, expect), **kw)


def version(world: MatrixWorld) -> dict[str, Any]:
    return {"version": world.current_version()}


def silence_body(world: MatrixWorld) -> dict[str, Any]:
    until = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    return {"rule": "eviction-during-debt-assistance", "subject": "hh:matrix0000000001", "ends_at": until,
            "reason": "permission matrix"}  # fmt: skip


def silence_form(world: MatrixWorld) -> dict[str, Any]:
    until = (datetime.now(UTC) + timedelta(days=7)).date().isoformat()
    return {"rule": "eviction-during-debt-assistance", "buurt": DAM_BUURT, "ends_on": until,
            "reason": "permission matrix"}  # fmt: skip


EVENT = {"specversion": "1.0", "id": "m-1", "source": "urn:nl:wijkbrug:org:woonstad", "type": "x"}
# A role that may not act gets 403 for every id, so a resident learns nothing about existence from it.
LIFECYCLE_API = api(OK, 403, 403, 403, body=version)
LIFECYCLE_PAGE = page(OK, 403, 404, 403, body=version)

MATRIX: dict[tuple[str, str], Rule] = {
    # public
    ("GET", "/healthz"): everyone(503),  # public; 503 because this deployment runs no broker
    ("GET", "/openapi.json"): everyone(200),
    ("GET", "/docs"): everyone(200),
    ("GET", "/docs/oauth2-redirect"): everyone(200),
    ("GET", "/redoc"): everyone(200),
    ("GET", "/login"): everyone(200),
    ("POST", "/login"): everyone(401, body=lambda world: {"name": "nobody", "password": "wrong"}),
    ("POST", "/logout"): everyone(303),
    ("GET", "/"): page(OK, OK, OK, OK),
    # ingest: organisation tokens only; a user's token is not one
    ("POST", "/api/v1/events"): everyone(401, body=lambda world: EVENT),
    ("POST", "/api/v1/zgw/notificaties/{name}"): everyone(404, body=lambda world: {}),
    # escalations API
    ("GET", "/api/v1/escalations"): api(200, 200, 200, 200),
    ("GET", "/api/v1/escalations/{escalation_id}"): api(200, 200, 404, 200),
    ("POST", "/api/v1/escalations/{escalation_id}/acknowledge"): LIFECYCLE_API,
    ("POST", "/api/v1/escalations/{escalation_id}/assign"): api(
        OK, 403, 403, 403, body=lambda world: {**version(world), "assignee": "anna"}
    ),
    ("POST", "/api/v1/escalations/{escalation_id}/decide"): api(
        OK,
        403,
        403,
        403,
        body=lambda world: {**version(world), "decision": "maatwerk", "text": "Maatwerk", "instructions": []},
    ),
    ("POST", "/api/v1/escalations/{escalation_id}/resolve"): LIFECYCLE_API,
    ("POST", "/api/v1/escalations/{escalation_id}/reopen"): LIFECYCLE_API,
    ("POST", "/api/v1/escalations/{escalation_id}/comments"): api(
        OK, OK, 403, 403, body=lambda world: {"text": "Gezien"}
    ),
    ("POST", "/api/v1/escalations/{escalation_id}/instructions/{org}/done"): api(
        OK, OK, 403, 403, body=lambda world: {}
    ),
    # connectors: taskforce and admin read, admin controls (no connector runs here: 404 once allowed)
    ("GET", "/api/v1/connectors"): api(200, 403, 403, 200),
    ("GET", "/api/v1/connectors/{name}"): api(404, 403, 403, 404),
    ("PUT", "/api/v1/connectors/{name}/pause"): api(403, 403, 403, 404),
    ("PUT", "/api/v1/connectors/{name}/resume"): api(403, 403, 403, 404),
    ("POST", "/api/v1/connectors/{name}/restart"): api(403, 403, 403, 404),
    ("DELETE", "/api/v1/connectors/{name}/offsets"): api(403, 403, 403, 404),
    # audit log: administrators
    ("GET", "/api/v1/audit"): api(403, 403, 403, 200),
    ("GET", "/api/v1/audit.csv"): api(403, 403, 403, 200),
    # silences: taskforce and admin
    ("GET", "/api/v1/silences"): api(200, 403, 403, 200),
    ("POST", "/api/v1/silences"): api(201, 403, 403, 201, body=silence_body),
    ("POST", "/api/v1/silences/{silence_id}/expire"): api(OK, 403, 403, OK, body=lambda world: {}),
    # pages: aggregates for every role (within their scope), the queue scoped, details scoped
    ("GET", "/overzicht"): page(200, 200, 200, 200),
    ("GET", "/knelpunten"): page(200, 200, 200, 200),
    ("GET", "/knelpunten.csv"): page(200, 200, 200, 200),
    ("GET", "/escalaties"): page(200, 200, 200, 200),
    ("GET", "/escalaties/live"): page(200, 200, 200, 200, stream=True),
    ("GET", "/escalaties/{escalation_id}"): page(200, 200, 404, 200),
    ("POST", "/escalaties/{escalation_id}/erkennen"): LIFECYCLE_PAGE,
    ("POST", "/escalaties/{escalation_id}/toewijzen"): page(
        OK, 403, 404, 403, body=lambda world: {**version(world), "assignee": "anna"}
    ),
    ("POST", "/escalaties/{escalation_id}/besluiten"): page(
        OK, 403, 404, 403, body=lambda world: {**version(world), "kind": "maatwerk", "text": "Maatwerk"}
    ),
    ("POST", "/escalaties/{escalation_id}/afhandelen"): LIFECYCLE_PAGE,
    ("POST", "/escalaties/{escalation_id}/heropenen"): LIFECYCLE_PAGE,
    ("POST", "/escalaties/{escalation_id}/reageren"): page(
        OK, OK, 404, 403, body=lambda world: {**version(world), "text": "Gezien"}
    ),
    ("POST", "/escalaties/{escalation_id}/bevestigen/{org}"): page(OK, OK, 404, 403, body=version),
    # silences page: taskforce and admin
    ("GET", "/stiltes"): page(200, 403, 403, 200),
    ("POST", "/stiltes"): page(OK, 403, 403, OK, body=silence_form),
    ("POST", "/stiltes/{silence_id}/beeindigen"): page(OK, 403, 403, OK, body=lambda world: {}),
    # administration: administrators only
    ("GET", "/beheer"): page(403, 403, 403, 200),
    ("POST", "/beheer/gebruikers"): page(
        403, 403, 403, 200, body=lambda world: {"name": f"new-{world.next_number()}", "role": "taskforce"}
    ),
    ("POST", "/beheer/gebruikers/{name}/token"): page(403, 403, 403, 200, body=lambda world: {}),
    ("POST", "/beheer/gebruikers/{name}/blokkeren"): page(403, 403, 403, 303, body=lambda world: {}),
    ("POST", "/beheer/organisaties"): page(
        403,
        403,
        403,
        200,
        body=lambda world: {"slug": f"org-{world.next_number()}", "domain": "social", "name": "Nieuw"},
    ),
    ("POST", "/beheer/organisaties/{slug}/token"): page(403, 403, 403, 200, body=lambda world: {}),
    ("GET", "/audit"): page(403, 403, 403, 200),
    ("GET", "/audit.csv"): page(403, 403, 403, 200),
}


@dataclass
class MatrixWorld:
    world: World
    base_url: str
    silence_id: int
    numbers: Iterator[int] = field(default_factory=lambda: iter(range(1, 100_000)))

    def next_number(self) -> int:
        return next(self.numbers)

    def current_version(self) -> int:
        view = self.world.runtime.escalations.get(self.world.ids["eviction"], Scope(everything=True))
        assert view is not None
        return view.version


def app_routes(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path) of every route the app serves; the path as declared, without converters."""
    found: set[tuple[str, str]] = set()

    def walk(routes: list[Any]) -> None:
        for route in routes:
            included = getattr(route, "original_router", None)
            if included is not None:  # FastAPI keeps an included router as one lazy route
                assert not getattr(route.include_context, "prefix", ""), (
                    "the matrix expects no include prefix"
                )
                walk(included.routes)
                continue
            methods = getattr(route, "methods", None)
            if methods is None:  # a mount (/static)
                continue
            path = route.path.replace(":int}", "}")
            found.update((method, path) for method in methods - {"HEAD"})

    walk(list(app.routes))
    return found


API_PATHS = ("/api/", "/healthz", "/openapi.json", "/docs", "/redoc")


@pytest.fixture(scope="module")
def matrix_world(
    databases: DatabaseFactory, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[MatrixWorld]:
    data_dir: Path = tmp_path_factory.mktemp("matrix")
    with running_world(data_dir, databases.new(), cheap_password_hash()) as world:
        world.runtime.directory.add_user("victim", Role.TASKFORCE)
        until = datetime.now(UTC) + timedelta(days=3)
        anna = world.runtime.directory.user("anna")
        assert anna is not None
        draft = SilenceDraft(
            rule="initiative-permit-refused", reason="matrix", ends_at=until, buurt=DAM_BUURT
        )
        silence = asyncio.run(world.runtime.silences.create(anna, draft))
        app = create_app(world.runtime.settings, world.runtime)
        port = free_port()
        server: GatewayServer = gateway_server(app, host="127.0.0.1", port=port)
        thread = threading.Thread(target=server.run, name="matrix-gateway", daemon=True)
        thread.start()
        eventually(lambda: server.started, timeout=20, what="the app to start")
        try:
            yield MatrixWorld(world=world, base_url=f"http://127.0.0.1:{port}", silence_id=silence.id)
        finally:
            server.should_exit = True
            thread.join(timeout=15)


def test_every_route_has_a_rule_and_every_rule_a_route(matrix_world: MatrixWorld) -> None:
    app = create_app(matrix_world.world.runtime.settings, matrix_world.world.runtime)

    served = app_routes(app)

    assert sorted(served - set(MATRIX)) == [], "routes without a rule in the permission matrix"
    assert sorted(set(MATRIX) - served) == [], "rules for routes that do not exist"


CELLS = [(method, path, role) for (method, path) in MATRIX for role in ROLES]


@pytest.mark.parametrize(("method", "path", "role"), CELLS, ids=[f"{m} {p} as {r}" for m, p, r in CELLS])
def test_the_route_answers_the_role_as_the_matrix_says(
    matrix_world: MatrixWorld, method: str, path: str, role: str
) -> None:
    rule = MATRIX[(method, path)]
    is_api = path.startswith(API_PATHS)
    with httpx.Client(base_url=matrix_world.base_url, follow_redirects=False, timeout=20) as client:
        status, location = _request(client, matrix_world, method, path, role, rule, is_api)

    expected = rule.expect[role]
    if expected == OK:
        allowed = (
            200 <= status < 300
            or status == 409
            or (300 <= status < 400 and not location.startswith("/login"))
        )
        assert allowed, f"{role} should be allowed: {status} {location}"
    elif expected == LOGIN:
        if is_api:
            assert status == 401
        else:
            assert status == 303 and location.startswith("/login"), (status, location)
    else:
        assert status == expected, f"{method} {path} as {role}: {status} {location}"


POST_PAGES = sorted(path for (method, path) in MATRIX if method == "POST" and not path.startswith(API_PATHS))


@pytest.mark.parametrize("path", POST_PAGES)
def test_every_form_post_without_the_csrf_token_is_refused(matrix_world: MatrixWorld, path: str) -> None:
    rule = MATRIX[("POST", path)]
    role = "admin" if rule.expect["admin"] != 403 else "taskforce"
    with httpx.Client(base_url=matrix_world.base_url, follow_redirects=False, timeout=20) as client:
        _log_in(client, USER_OF[role])
        body = rule.body(matrix_world) if rule.body else {}
        response = client.post(_fill(path, matrix_world), data=body)

    assert response.status_code == 403
    assert "beveiligingscode" in response.text


def _request(
    client: httpx.Client, world: MatrixWorld, method: str, path: str, role: str, rule: Rule, is_api: bool
) -> tuple[int, str]:
    target = _fill(path, world)
    body = rule.body(world) if rule.body else None
    if is_api:
        headers = (
            {"Authorization": f"Bearer {world.world.tokens[USER_OF[role]]}"} if role != "anonymous" else {}
        )
        response = client.request(method, target, headers=headers, json=body if method != "GET" else None)
        return response.status_code, response.headers.get("location", "")
    csrf = _log_in(client, USER_OF[role]) if role != "anonymous" else csrf_of(client.get("/login"))
    if rule.stream:
        with client.stream(method, target) as response:
            return response.status_code, response.headers.get("location", "")
    data = {"csrf_token": csrf, **(body or {})} if method == "POST" else None
    response = client.request(method, target, data=data)
    return response.status_code, response.headers.get("location", "")


def _log_in(client: httpx.Client, name: str) -> str:
    """Log in through the form; the new session's CSRF token."""
    assert log_in(client, name).status_code == 303
    return csrf_of(client.get("/login"))


def _fill(path: str, world: MatrixWorld) -> str:
    for name, value in PLACEHOLDERS.items():
        path = path.replace("{" + name + "}", value(world))
    return path
