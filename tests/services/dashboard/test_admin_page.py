"""/beheer and /audit: only administrators; users, organisations and tokens managed through forms, audited."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from services.directory.model import Role
from tests.support.dashboard import PASSWORD, World, csrf_of, log_in

pytestmark = pytest.mark.db

TOKEN_RE = re.compile(r'<input id="token" class="token" readonly value="([^"]+)"')


def admin_page(client: TestClient) -> str:
    response = client.get("/beheer")
    assert response.status_code == 200, response.text
    text: str = response.text
    return text


@pytest.mark.parametrize("name", ["anna", "lisa", "rik"])
def test_only_administrators_see_the_admin_pages(world: World, name: str) -> None:
    log_in(world.client, name)

    for path in ("/beheer", "/audit", "/audit.csv"):
        response = world.client.get(path)
        assert response.status_code == 403, path
        assert "Alleen beheerders" in response.text


def test_the_admin_page_lists_users_and_organisations(world: World) -> None:
    log_in(world.client, "bea")

    page = admin_page(world.client)

    for name in ("anna", "lisa", "piet", "rik", "bea", "woonstad", "politie", "urn:nl:wijkbrug:org:sociaal"):
        assert name in page


def test_adding_a_user_shows_a_working_token_once_and_is_audited(own_world: World) -> None:
    client = own_world.client
    log_in(client, "bea")
    csrf = csrf_of(client.get("/beheer"))

    response = client.post(
        "/beheer/gebruikers",
        data={"name": "joost", "role": "liaison", "org": "sociaal", "password": PASSWORD, "csrf_token": csrf},
    )

    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    token = TOKEN_RE.search(response.text)
    assert token is not None
    user = own_world.runtime.directory.user_for_token(token.group(1))
    assert user is not None and user.name == "joost" and user.role is Role.LIAISON and user.org == "sociaal"
    assert "maar één keer zichtbaar" in response.text
    later = admin_page(client)
    assert "maar één keer zichtbaar" not in later and token.group(1) not in later
    entries, _ = own_world.runtime.audit.entries(actor="bea")
    assert [(entry.action, entry.target) for entry in entries][:1] == [("user.add", "user:joost")]
    log_in(client, "joost")
    assert client.get("/escalaties").status_code == 200


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"name": "x y", "role": "taskforce"}, "Niet gelukt"),
        ({"name": "joost", "role": "liaison"}, "Niet gelukt"),
        ({"name": "joost", "role": "resident", "buurten": "BU99999999"}, "Niet gelukt"),
        ({"name": "joost", "role": "baas"}, "Kies een rol"),
        ({"name": "joost", "role": "taskforce", "password": "kort"}, "minstens 12 tekens"),
        ({"name": "anna", "role": "taskforce"}, "Niet gelukt"),
    ],
)
def test_a_bad_user_is_refused_with_a_dutch_message(world: World, form: dict[str, str], message: str) -> None:
    log_in(world.client, "bea")
    csrf = csrf_of(world.client.get("/beheer"))

    response = world.client.post("/beheer/gebruikers", data={**form, "csrf_token": csrf})

    assert response.status_code in (409, 422)
    assert message in response.text and TOKEN_RE.search(response.text) is None
    assert world.runtime.directory.user("joost") is None


def test_blocking_a_user_stops_their_login_and_tokens(own_world: World) -> None:
    client = own_world.client
    log_in(client, "bea")
    csrf = csrf_of(client.get("/beheer"))

    response = client.post("/beheer/gebruikers/lisa/blokkeren", data={"csrf_token": csrf})

    assert response.status_code == 303
    assert "lisa is geblokkeerd" in admin_page(client)
    assert own_world.runtime.directory.user_for_token(own_world.tokens["lisa"]) is None
    assert log_in(client, "lisa").status_code == 401


def test_an_administrator_cannot_block_themselves(world: World) -> None:
    log_in(world.client, "bea")
    csrf = csrf_of(world.client.get("/beheer"))

    response = world.client.post("/beheer/gebruikers/bea/blokkeren", data={"csrf_token": csrf})

    assert response.status_code == 409 and "niet blokkeren" in response.text
    assert world.runtime.directory.user("bea") is not None


def test_a_new_organisation_and_a_new_token_for_it(own_world: World) -> None:
    client = own_world.client
    log_in(client, "bea")
    csrf = csrf_of(client.get("/beheer"))

    added = client.post(
        "/beheer/organisaties",
        data={"slug": "ggd", "domain": "social", "name": "GGD Amsterdam", "csrf_token": csrf},
    )
    again = client.post("/beheer/organisaties/ggd/token", data={"csrf_token": csrf})

    tokens = [TOKEN_RE.search(response.text) for response in (added, again)]
    assert all(token is not None for token in tokens)
    for token in tokens:
        assert token is not None
        organisation = own_world.runtime.directory.organisation_for_token(token.group(1))
        assert organisation is not None and organisation.slug == "ggd"
    entries, _ = own_world.runtime.audit.entries(target="org:ggd")
    assert sorted(entry.action for entry in entries) == ["org.add", "org.token"]


@pytest.mark.parametrize(
    "path",
    [
        "/beheer/gebruikers",
        "/beheer/gebruikers/lisa/token",
        "/beheer/gebruikers/lisa/blokkeren",
        "/beheer/organisaties",
        "/beheer/organisaties/woonstad/token",
    ],
)
def test_every_admin_form_needs_the_csrf_token(world: World, path: str) -> None:
    log_in(world.client, "bea")

    response = world.client.post(
        path, data={"name": "joost", "role": "taskforce", "slug": "x", "domain": "social"}
    )

    assert response.status_code == 403
    assert "beveiligingscode" in response.text
    assert world.runtime.directory.user("lisa") is not None


def test_the_audit_page_shows_views_and_exports_them(own_world: World) -> None:
    client = own_world.client
    eviction = own_world.ids["eviction"]
    log_in(client, "anna")
    client.get(
        f"/api/v1/escalations/{eviction}", headers={"Authorization": f"Bearer {own_world.tokens['anna']}"}
    )
    client.cookies.clear()
    log_in(client, "bea")

    page = client.get("/audit", params={"target": f"escalation:{eviction}"})
    export = client.get("/audit.csv", params={"target": f"escalation:{eviction}"})

    assert page.status_code == 200 and "anna" in page.text and "1 regel" in page.text
    assert export.headers["content-type"].startswith("text/csv")
    rows = export.text.strip().splitlines()
    assert rows[0] == "id,at,actor,role,action,target,detail" and len(rows) == 2
    assert f",anna,taskforce,escalation.view,escalation:{eviction}," in rows[1]
    exports, _ = own_world.runtime.audit.entries(actor="bea")
    assert [entry.action for entry in exports] == ["audit.export"]
