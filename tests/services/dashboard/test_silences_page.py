"""/stiltes: only taskforce and admin; CSRF on every form; create, end, run out; the effect on the queue."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from services.dashboard.labels import AMSTERDAM, MONTHS_NL
from services.dashboard.silences_page import until_nl
from services.db.types import utcnow
from services.escalations.model import EscalationFilter, Scope
from services.silences.model import Silence, SilenceDraft
from services.silences.sql import SqlSilenceStore
from tests.support.dashboard import EVICTION, World, csrf_of, log_in

pytestmark = pytest.mark.db

EVERYTHING = Scope(everything=True)
RULE = EVICTION.rule
RULE_TITLE = "Ontruimingsprocedure terwijl schuldhulpverlening loopt"
SUBJECT = EVICTION.subject
FORBIDDEN = "Alleen de taskforce en beheerders kunnen stiltes zien en beheren."


def today() -> date:
    return utcnow().astimezone(AMSTERDAM).date()


def page(client: TestClient, path: str = "/stiltes") -> str:
    response: Response = client.get(path)
    assert response.status_code == 200, response.text
    text: str = response.text
    return text


def create(client: TestClient, **fields: str) -> Response:
    data = {
        "csrf_token": csrf_of(client.get("/stiltes")),
        "rule": RULE,
        "subject": SUBJECT,
        "buurt": "",
        "ends_on": (today() + timedelta(days=7)).isoformat(),
        "reason": "Maatwerk loopt al via de wijkcoach",
        **fields,
    }
    response: Response = client.post("/stiltes", data=data)
    return response


def silences(world: World) -> list[Silence]:
    return list(SqlSilenceStore(world.runtime.sessions).listing(utcnow()))


def section(text: str, heading_id: str) -> str:
    """The HTML of one <section> of the page, by its heading's id."""
    found = re.search(rf'<section aria-labelledby="{heading_id}".*?</section>', text, re.S)
    assert found is not None, heading_id
    return found.group(0)


# ---------------------------------------------------------------------------------------------------
# who may


@pytest.mark.parametrize("name", ["anna", "bea"])
def test_taskforce_and_admin_see_the_page(world: World, name: str) -> None:
    log_in(world.client, name)

    text = page(world.client)

    assert "<h1>Stiltes</h1>" in text
    assert "Nieuwe stilte" in text and "Actieve stiltes" in text and "Onlangs beëindigd" in text
    assert f'<option value="{RULE}">{RULE_TITLE}</option>' in text, "rules by their Dutch title"
    assert 'aria-current="page">Stiltes<' in text
    assert '<link rel="stylesheet" href="/static/silences.css">' in text


@pytest.mark.parametrize("name", ["lisa", "rik"])
def test_other_roles_get_a_403_page(world: World, name: str) -> None:
    log_in(world.client, name)
    csrf = csrf_of(world.client.get("/escalaties"))

    shown = world.client.get("/stiltes")
    posted = world.client.post("/stiltes", data={"csrf_token": csrf, "rule": RULE, "subject": SUBJECT})
    ended = world.client.post("/stiltes/1/beeindigen", data={"csrf_token": csrf})

    for response in (shown, posted, ended):
        assert response.status_code == 403
        assert FORBIDDEN in response.text
    assert silences(world) == []


def test_the_page_needs_a_login(world: World) -> None:
    response = world.client.get("/stiltes")

    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/stiltes"


# ---------------------------------------------------------------------------------------------------
# CSRF


@pytest.mark.parametrize("token", [None, "", "forged"])
def test_creating_without_the_csrf_token_is_refused(own_world: World, token: str | None) -> None:
    client = own_world.client
    log_in(client, "anna")
    data = {"rule": RULE, "subject": SUBJECT, "ends_on": today().isoformat(), "reason": "Maatwerk loopt al"}
    if token is not None:
        data["csrf_token"] = token

    response = client.post("/stiltes", data=data)

    assert response.status_code == 403
    assert "beveiligingscode" in response.text
    assert silences(own_world) == []


def test_ending_without_the_csrf_token_is_refused(own_world: World) -> None:
    client = own_world.client
    log_in(client, "anna")
    create(client)
    (silence,) = silences(own_world)

    response = client.post(f"/stiltes/{silence.id}/beeindigen", data={})

    assert response.status_code == 403
    (still,) = silences(own_world)
    assert still.expired_at is None


# ---------------------------------------------------------------------------------------------------
# creating


def test_creating_a_silence_redirects_with_a_confirmation_and_lists_it(own_world: World) -> None:
    client = own_world.client
    log_in(client, "anna")

    response = create(client)

    assert response.status_code == 303
    assert response.headers["location"] == "/stiltes?melding=aangemaakt"
    text = page(client, response.headers["location"])
    assert '<p class="notice" role="status">De stilte is aangemaakt.</p>' in text
    active = section(text, "actief-kop")
    last = today() + timedelta(days=7)
    until = f"t/m {last.day} {MONTHS_NL[last.month - 1]} {last.year}"
    for shown in (RULE_TITLE, SUBJECT, "Maatwerk loopt al via de wijkcoach", "anna", "Beëindig nu", until):
        assert shown in active
    (silence,) = silences(own_world)
    end = datetime.combine(today() + timedelta(days=8), time(0), tzinfo=AMSTERDAM)
    assert silence.ends_at == end, "until and including the chosen day"
    entries, _ = own_world.runtime.audit.entries(target=f"silence:{silence.id}")
    assert [(entry.action, entry.actor, entry.role) for entry in entries] == [
        ("silence.create", "anna", "taskforce")
    ]


def test_a_buurt_silence_shows_the_buurt_by_name(own_world: World) -> None:
    client = own_world.client
    log_in(client, "bea")

    create(client, subject="", buurt=EVICTION.buurt)

    active = section(page(client), "actief-kop")
    assert "Nieuwe Kerk e.o." in active and EVICTION.buurt in active
    (silence,) = silences(own_world)
    assert (silence.subject, silence.buurt, silence.created_by) == (None, EVICTION.buurt, "bea")


@pytest.mark.parametrize(
    ("fields", "message", "invalid_id"),
    [
        ({"reason": "ok"}, "Geef een reden van 3 tot 500 tekens.", "s-reason"),
        ({"rule": "no-such-rule"}, "Kies een regel uit de lijst.", "s-rule"),
        (
            {"subject": "", "buurt": ""},
            "Vul een pseudoniem óf een buurtcode in: precies één van beide.",
            None,
        ),
        ({"buurt": "BU0363AD05"}, "Vul een pseudoniem óf een buurtcode in: precies één van beide.", None),
        ({"subject": "jansen"}, "Dit pseudoniem is niet geldig.", "s-subject"),
        ({"subject": "ini:b2e94f1a6c3d7e88"}, "Deze regel gaat niet over dit soort onderwerp.", "s-subject"),
        (
            {"subject": "", "buurt": "BU0363ZZ99"},
            "Deze buurtcode kennen we niet in deze gemeente.",
            "s-buurt",
        ),
        ({"ends_on": "volgende week"}, "Vul een geldige datum in.", "s-ends"),
        ({"ends_on": ""}, "Vul een geldige datum in.", "s-ends"),
        ({"ends_on": "2020-01-01"}, "De einddatum moet vandaag of later zijn.", "s-ends"),
        ({"ends_on": "2099-01-01"}, "Een stilte duurt hooguit een jaar.", "s-ends"),
    ],
)
def test_an_invalid_silence_shows_the_form_again_with_a_dutch_message(
    world: World, fields: dict[str, str], message: str, invalid_id: str | None
) -> None:
    log_in(world.client, "anna")

    reason = fields.pop("reason", "Mijn reden blijft staan")

    response = create(world.client, reason=reason, **fields)

    assert response.status_code == 422
    assert '<p class="error" role="alert" id="form-error">' in response.text
    assert message in response.text
    assert f">{reason}</textarea>" in response.text, "the form keeps what was typed"
    if invalid_id is not None:
        assert re.search(rf'id="{invalid_id}"[^>]*aria-invalid="true"', response.text), invalid_id
    assert silences(world) == []


# ---------------------------------------------------------------------------------------------------
# ending


def test_ending_a_silence_moves_it_to_recently_ended(own_world: World) -> None:
    client = own_world.client
    log_in(client, "anna")
    create(client)
    (silence,) = silences(own_world)
    csrf = csrf_of(client.get("/stiltes"))

    response = client.post(f"/stiltes/{silence.id}/beeindigen", data={"csrf_token": csrf})

    assert response.status_code == 303
    assert response.headers["location"] == "/stiltes?melding=beeindigd"
    text = page(client, response.headers["location"])
    assert "De stilte is beëindigd" in text
    assert "Er zijn geen actieve stiltes." in section(text, "actief-kop")
    ended = section(text, "eind-kop")
    assert SUBJECT in ended and "beëindigd door anna" in ended
    entries, _ = own_world.runtime.audit.entries(target=f"silence:{silence.id}")
    assert [entry.action for entry in entries] == ["silence.expire", "silence.create"]

    again = client.post(f"/stiltes/{silence.id}/beeindigen", data={"csrf_token": csrf})

    assert again.status_code == 409
    assert "Deze stilte was al afgelopen of beëindigd." in again.text


def test_ending_an_unknown_silence_is_a_dutch_404(world: World) -> None:
    log_in(world.client, "anna")
    csrf = csrf_of(world.client.get("/stiltes"))

    response = world.client.post("/stiltes/999999/beeindigen", data={"csrf_token": csrf})

    assert response.status_code == 404
    assert "Deze stilte bestaat niet." in response.text


def test_a_silence_ends_by_itself_when_its_time_is_up(own_world: World) -> None:
    store = SqlSilenceStore(own_world.runtime.sessions)
    draft = SilenceDraft(
        rule=RULE, subject=SUBJECT, reason="Liep tot gisteren", ends_at=utcnow() - timedelta(days=1)
    )
    store.add(draft, "anna", "taskforce", utcnow() - timedelta(days=8))
    log_in(own_world.client, "anna")

    text = page(own_world.client)

    assert "Er zijn geen actieve stiltes." in section(text, "actief-kop")
    ended = section(text, "eind-kop")
    assert "Liep tot gisteren" in ended and "verlopen" in ended
    query = EscalationFilter(silenced=False)
    shown = {item.id for item in own_world.runtime.escalations.list(query, EVERYTHING).items}
    assert own_world.ids["eviction"] in shown


# ---------------------------------------------------------------------------------------------------
# effect on the queue, and the "Dempen" link


def test_a_silence_from_the_page_hides_the_escalation_from_the_default_queue(own_world: World) -> None:
    client = own_world.client
    log_in(client, "anna")
    escalations = own_world.runtime.escalations
    eviction = own_world.ids["eviction"]

    create(client)

    hidden = {item.id for item in escalations.list(EscalationFilter(silenced=False), EVERYTHING).items}
    only = {item.id for item in escalations.list(EscalationFilter(silenced=True), EVERYTHING).items}
    assert eviction not in hidden and hidden == set(own_world.ids.values()) - {eviction}
    assert only == {eviction}
    view = escalations.get(eviction, EVERYTHING)
    assert view is not None and view.silenced_until == silences(own_world)[0].ends_at


def test_the_form_is_prefilled_from_the_query_string(world: World) -> None:
    log_in(world.client, "anna")

    text = page(world.client, f"/stiltes?rule={RULE}&subject={SUBJECT}")

    assert f'<option value="{RULE}" selected>' in text
    assert f'name="subject" value="{SUBJECT}"' in text
    buurt = page(world.client, f"/stiltes?rule={RULE}&buurt={EVICTION.buurt}")
    assert f'name="buurt" value="{EVICTION.buurt}"' in buurt


def test_prefilled_values_are_escaped_and_confirmations_are_not_taken_from_the_url(world: World) -> None:
    log_in(world.client, "anna")

    text = page(world.client, '/stiltes?subject="><script>alert(1)</script>&melding=<b>gehackt</b>')

    assert "<script>alert(1)</script>" not in text
    assert "gehackt" not in text


def test_an_end_within_a_day_is_shown_with_its_time() -> None:
    assert until_nl(datetime(2026, 12, 4, 0, 0, tzinfo=AMSTERDAM)) == "t/m 3 dec 2026"
    assert until_nl(datetime(2026, 12, 4, 14, 5, tzinfo=AMSTERDAM)) == "tot 4 dec 2026 14:05"
