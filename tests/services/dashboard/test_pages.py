"""The dashboard and the escalations API in-process: login, sessions, CSRF, scopes per role, health."""

from __future__ import annotations

from datetime import datetime

import pytest
from httpx import Response

from services.db.engine import create_db_engine
from tests.support.dashboard import (
    EVICTION,
    PASSWORD,
    PERMIT,
    World,
    csrf_of,
    log_in,
    queue,
)
from tests.support.events import DAM_BUURT

pytestmark = pytest.mark.db


# ---------------------------------------------------------------------------------------------------
# logged out


def test_home_redirects_to_login_when_logged_out(world: World) -> None:
    response = world.client.get("/")

    assert response.status_code == 303
    assert response.headers["location"] == "/login"


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ("/escalaties", "/login?next=/escalaties"),
        ("/escalaties?status=alle", "/login?next=/escalaties%3Fstatus%3Dalle"),
    ],
)
def test_a_page_needs_a_login(world: World, path: str, target: str) -> None:
    response = world.client.get(path)

    assert response.status_code == 303
    assert response.headers["location"] == target


def test_the_login_form_has_a_csrf_token_and_keeps_next(world: World) -> None:
    response = world.client.get("/login", params={"next": "/escalaties?status=open"})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert len(csrf_of(response)) >= 32
    assert '<form method="post" action="/login">' in response.text
    assert 'name="next" value="/escalaties?status=open"' in response.text
    assert 'lang="nl"' in response.text


def test_the_csrf_token_stays_the_same_within_a_session(world: World) -> None:
    first = csrf_of(world.client.get("/login"))

    assert csrf_of(world.client.get("/login")) == first


# ---------------------------------------------------------------------------------------------------
# logging in


def test_a_nul_character_in_a_form_or_a_url_is_refused_not_a_500(world: World) -> None:
    token = csrf_of(world.client.get("/login"))
    response = world.client.post(
        "/login", data={"name": "an\x00na", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")

    assert world.client.get("/escalaties", params={"regel": "a\x00b"}).status_code == 400


@pytest.mark.parametrize("token", [None, "", "forged-token"])
def test_login_without_the_csrf_token_is_refused(world: World, token: str | None) -> None:
    world.client.get("/login")
    data = {"name": "anna", "password": PASSWORD}
    if token is not None:
        data["csrf_token"] = token

    response = world.client.post("/login", data=data)

    assert response.status_code == 403
    assert "Geen toegang" in response.text
    assert "Het formulier mist zijn beveiligingscode of uw sessie is verlopen." in response.text
    assert "security token" not in response.text
    assert world.client.get("/escalaties").status_code == 303, "not logged in"


def test_login_with_a_token_from_another_session_is_refused(world: World) -> None:
    foreign = csrf_of(world.client.get("/login"))
    world.client.cookies.clear()
    world.client.get("/login")

    response = world.client.post("/login", data={"name": "anna", "password": PASSWORD, "csrf_token": foreign})

    assert response.status_code == 403


@pytest.mark.parametrize(
    ("name", "password"),
    [("anna", "wrong password!"), ("nobody", PASSWORD), ("nopass", PASSWORD), ("ANNA", PASSWORD)],
)
def test_a_wrong_login_is_refused_in_dutch(world: World, name: str, password: str) -> None:
    response = log_in(world.client, name, password)

    assert response.status_code == 401
    assert "Onbekende gebruikersnaam of onjuist wachtwoord." in response.text
    assert f'value="{name}"' in response.text, "the name is kept in the form"
    assert PASSWORD not in response.text
    assert world.client.get("/escalaties").status_code == 303


def test_a_right_login_goes_to_next_and_shows_the_queue(world: World) -> None:
    response = log_in(world.client, "anna", next_page="/escalaties?status=open")

    assert response.status_code == 303
    assert response.headers["location"] == "/escalaties?status=open"
    page = queue(world.client)
    assert "Ontruimingsprocedure terwijl schuldhulpverlening loopt" in page
    assert "Nieuwe Kerk e.o." in page, "the buurt's name, not only its code"
    assert DAM_BUURT in page
    assert ">hoog<" in page
    assert ">middel<" in page
    assert "sociaal, woonstad" in page
    assert 'class="count">3 escalaties<' in page
    assert "anna" in page and "(taskforce)" in page
    assert world.client.get("/").headers["location"] == "/overzicht"


def test_the_default_next_is_the_overview(world: World) -> None:
    assert log_in(world.client, "anna").headers["location"] == "/overzicht"
    assert 'name="next" value="/overzicht"' in world.client.get("/login").text


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example",
        "//evil.example/escalaties",
        "http://evil.example/",
        "escalaties",
        "javascript:alert(1)",
    ],
)
def test_an_open_redirect_is_refused(world: World, target: str) -> None:
    response = log_in(world.client, "anna", next_page=target)

    assert response.status_code == 303
    assert response.headers["location"] == "/overzicht"


@pytest.mark.parametrize(
    "target", ["/\\evil.example", "/\t/evil.example", "/%2F/evil.example", "/\\/evil.example"]
)
def test_a_disguised_open_redirect_stays_on_this_site(world: World, target: str) -> None:
    location = log_in(world.client, "anna", next_page=target).headers["location"]

    assert location.startswith("/")
    assert not location.startswith("//")
    assert "\\" not in location
    assert "\t" not in location


def test_the_login_form_does_not_carry_a_foreign_next(world: World) -> None:
    response = world.client.get("/login", params={"next": "https://evil.example"})

    assert "evil.example" not in response.text


def test_the_session_cookie_is_httponly_and_samesite_lax(world: World) -> None:
    response = log_in(world.client, "anna")

    cookies = [value for name, value in response.headers.multi_items() if name == "set-cookie"]
    (session,) = [cookie for cookie in cookies if cookie.startswith("wijkbrug_session=")]
    attributes = {part.strip().lower() for part in session.split(";")}
    assert "httponly" in attributes
    assert "samesite=lax" in attributes
    assert "path=/" in attributes


def test_logging_in_rotates_the_csrf_token(world: World) -> None:
    before = csrf_of(world.client.get("/login"))
    log_in(world.client, "anna")

    after = csrf_of(world.client.get("/escalaties"))

    assert after != before


# ---------------------------------------------------------------------------------------------------
# logging out


def test_logout_needs_the_csrf_token(world: World) -> None:
    log_in(world.client, "anna")

    refused = world.client.post("/logout", data={})

    assert refused.status_code == 403
    assert world.client.get("/escalaties").status_code == 200, "still logged in"


def test_logout_ends_the_session(world: World) -> None:
    log_in(world.client, "anna")
    token = csrf_of(world.client.get("/escalaties"))

    response = world.client.post("/logout", data={"csrf_token": token})

    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    assert world.client.get("/escalaties").status_code == 303
    assert world.client.get("/").headers["location"] == "/login"


def test_the_csrf_token_dies_with_the_session(world: World) -> None:
    log_in(world.client, "anna")
    token = csrf_of(world.client.get("/escalaties"))
    world.client.post("/logout", data={"csrf_token": token})

    assert world.client.post("/logout", data={"csrf_token": token}).status_code == 403


# ---------------------------------------------------------------------------------------------------
# who sees what


def test_a_liaison_sees_only_escalations_with_evidence_of_their_organisation(world: World) -> None:
    log_in(world.client, "lisa")

    page = queue(world.client)

    assert "Ontruimingsprocedure terwijl schuldhulpverlening loopt" in page
    assert "Woningsluiting bij lopende jeugdhulp" not in page
    assert "Vergunning voor bewonersinitiatief geweigerd" not in page
    assert 'class="count">1 escalatie<' in page
    assert "(contactpersoon)" in page


def test_another_liaison_sees_another_escalation(world: World) -> None:
    log_in(world.client, "piet")

    page = queue(world.client)
    rows = page.split('<tbody id="queue-rows">', 1)[1].split("</tbody>", 1)[0]  # not the rule filter

    assert "Woningsluiting bij lopende jeugdhulp" in rows
    assert "Ontruimingsprocedure terwijl schuldhulpverlening loopt" not in rows


def test_a_resident_never_sees_a_household_escalation(world: World) -> None:
    log_in(world.client, "rik")

    page = queue(world.client, status="alle")

    assert "Vergunning voor bewonersinitiatief geweigerd" in page
    assert "hh:" not in page
    assert "Ontruimingsprocedure" not in page, "same buurt, but about a household"
    assert "Woningsluiting" not in page


def test_the_status_filter(world: World) -> None:
    log_in(world.client, "anna")

    assert "Geen escalaties met deze filters." in queue(world.client, status="resolved")
    assert "3 escalaties" in queue(world.client, status="open")
    assert "3 escalaties" in queue(world.client, status="onzin")


# ---------------------------------------------------------------------------------------------------
# the JSON API


def api(world: World, path: str, token: str | None, **params: str) -> Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    response: Response = world.client.get(path, headers=headers, params=params)
    return response


def test_the_api_lists_escalations_for_a_user_token(world: World) -> None:
    response = api(world, "/api/v1/escalations", world.tokens["anna"])

    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 3
    by_rule = {item["rule"]: item for item in body["items"]}
    eviction = by_rule["eviction-during-debt-assistance"]
    assert eviction["id"] == world.ids["eviction"]
    assert eviction["status"] == "open"
    assert eviction["severity"] == "high"
    assert eviction["buurt"] == DAM_BUURT
    assert eviction["subject"] == EVICTION.subject
    assert eviction["organisations"] == ["sociaal", "woonstad"]
    assert [(item["id"], item["type"], item["source"]) for item in eviction["evidence"]] == [
        ("sh-1", "nl.wijkbrug.social.debt_assistance.started", "urn:nl:wijkbrug:org:sociaal"),
        ("ev-1", "nl.wijkbrug.housing.eviction.summoned", "urn:nl:wijkbrug:org:woonstad"),
    ]
    assert datetime.fromisoformat(eviction["opened_at"]) == EVICTION.opened_at
    assert "updated_at" in eviction


@pytest.mark.parametrize(
    ("params", "rules"),
    [
        ({"buurt": DAM_BUURT}, {"eviction-during-debt-assistance", "initiative-permit-refused"}),
        ({"severity": "medium"}, {"initiative-permit-refused"}),
        ({"rule": "house-closure-with-youth-care"}, {"house-closure-with-youth-care"}),
        ({"status": "resolved"}, set()),
    ],
)
def test_api_filters(world: World, params: dict[str, str], rules: set[str]) -> None:
    response = api(world, "/api/v1/escalations", world.tokens["anna"], **params)

    assert response.status_code == 200
    assert {item["rule"] for item in response.json()["items"]} == rules


@pytest.mark.parametrize(
    ("user", "visible"),
    [
        ("anna", {"eviction", "closure", "permit"}),
        ("lisa", {"eviction"}),
        ("piet", {"closure"}),
        ("rik", {"permit"}),
    ],
)
def test_the_api_scopes_by_role(world: World, user: str, visible: set[str]) -> None:
    listed = {item["id"] for item in api(world, "/api/v1/escalations", world.tokens[user]).json()["items"]}

    assert listed == {world.ids[name] for name in visible}
    for name, escalation_id in world.ids.items():
        response = api(world, f"/api/v1/escalations/{escalation_id}", world.tokens[user])
        assert response.status_code == (200 if name in visible else 404), (user, name)


def test_one_escalation(world: World) -> None:
    response = api(world, f"/api/v1/escalations/{world.ids['permit']}", world.tokens["rik"])

    assert response.status_code == 200
    assert response.json()["subject"] == PERMIT.subject
    assert response.json()["evidence"][0]["id"] == "vg-1"


def test_an_escalation_outside_the_scope_is_not_found(world: World) -> None:
    response = api(world, f"/api/v1/escalations/{world.ids['eviction']}", world.tokens["rik"])

    assert response.status_code == 404
    assert response.json()["error"] == "escalation_not_found"
    assert "hh:" not in response.text


def test_an_escalation_that_does_not_exist_is_not_found(world: World) -> None:
    assert api(world, "/api/v1/escalations/999999", world.tokens["anna"]).status_code == 404


@pytest.mark.parametrize("authorization", [None, "Bearer", "Basic YW5uYTpwdw==", "Bearer wbu_unknown"])
def test_the_api_needs_a_user_token(world: World, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization is not None else {}

    for path in ("/api/v1/escalations", f"/api/v1/escalations/{world.ids['eviction']}"):
        response = world.client.get(path, headers=headers)
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["error"] == "unauthenticated"


def test_an_organisation_token_is_not_a_user_token(world: World) -> None:
    for path in ("/api/v1/escalations", f"/api/v1/escalations/{world.ids['eviction']}"):
        assert api(world, path, world.tokens["woonstad"]).status_code == 401


def test_a_web_session_is_not_an_api_credential(world: World) -> None:
    log_in(world.client, "anna")

    assert api(world, "/api/v1/escalations", None).status_code == 401


@pytest.mark.parametrize(
    "params",
    [
        {"status": "bogus"},
        {"buurt": "xx"},
        {"buurt": "bu0363ad05"},
        {"severity": "critical"},
        {"limit": "0"},
        {"limit": "501"},
        {"offset": "-1"},
    ],
)
def test_invalid_filters_are_422(world: World, params: dict[str, str]) -> None:
    response = api(world, "/api/v1/escalations", world.tokens["anna"], **params)

    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid_request"
    assert any(next(iter(params)) in item["field"] for item in body["details"])


def test_a_non_numeric_id_is_422_not_500(world: World) -> None:
    assert api(world, "/api/v1/escalations/abc", world.tokens["anna"]).status_code == 422


# ---------------------------------------------------------------------------------------------------
# health


def test_healthz_without_a_broker_is_503_with_components(world: World) -> None:
    response = world.client.get("/healthz")

    assert response.status_code == 503
    assert response.headers["retry-after"].isdigit()
    body = response.json()
    assert body["status"] == "unavailable"
    components = body["components"]
    assert set(components) >= {"gateway", "broker", "database", "processor", "sink"}
    assert components["gateway"]["state"] == "up"
    assert components["broker"]["state"] == "down"
    assert components["database"]["state"] == "up"
    assert components["processor"]["state"] == "down"
    assert components["sink"]["state"] == "down"


def test_the_instance_scope_leaves_out_the_workers_and_the_process_scope_only_answers(world: World) -> None:
    instance = world.client.get("/healthz", params={"scope": "instance"})
    assert instance.status_code == 503  # this world has no broker: the gateway cannot accept events
    assert set(instance.json()["components"]) == {"gateway", "broker", "database"}

    process = world.client.get("/healthz", params={"scope": "process"})
    assert process.status_code == 200
    assert process.json() == {"status": "ok", "components": {"gateway": {"state": "up"}}}

    assert world.client.get("/healthz", params={"scope": "cluster"}).status_code == 422


def test_healthz_with_an_unreachable_database_is_503_not_500(own_world: World) -> None:
    own_world.runtime.engine.dispose()
    own_world.runtime.engine = create_db_engine(
        "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2"
    )

    response = own_world.client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["components"]["database"]["state"] == "down"


def test_ingest_without_a_broker_is_503_not_500(world: World) -> None:
    response = world.client.post(
        "/api/v1/events",
        headers={"Authorization": f"Bearer {world.tokens['woonstad']}", "Content-Type": "application/json"},
        content=b"{}",
    )

    assert response.status_code == 503
    assert response.headers["retry-after"].isdigit()
