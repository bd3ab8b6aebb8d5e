"""An escalation's page (GET /escalaties/{id}) and its actions (POST /escalaties/{id}/<actie>): what each
role sees and may do, URL guessing, CSRF, the audit of views, and refusals in Dutch (conflict, status,
role, form)."""

from __future__ import annotations

import itertools
import re

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from schemas.catalogue import CATALOGUE
from schemas.escalation import EscalationMessage, PolicyRef
from schemas.identifiers import Domain
from services.dashboard.detail_page import trace_reference
from services.escalations.model import Scope, Status
from tests.support.dashboard import EVICTION, World, csrf_in, csrf_of, log_in
from tests.support.events import DAM_BUURT

pytestmark = pytest.mark.db

NUMBERS = itertools.count(1)
POLICIES = [
    PolicyRef(domain=Domain.HOUSING, reference="huurbeleid-4.2", text="Ontruiming na dagvaarding"),
    PolicyRef(
        domain=Domain.SOCIAL, reference="schuldhulp-2.1", text="Geen nieuwe schulden tijdens het traject"
    ),
]
STALE_PAGE = "Iemand anders heeft deze escalatie intussen gewijzigd."


def new_escalation(world: World) -> int:
    """A fresh household escalation like EVICTION (woonstad and sociaal, in the Dam buurt), with policies."""
    number = next(NUMBERS)
    fields = EVICTION.model_dump()
    fields.update(dedup_key=f"detail-{number}", subject=f"hh:detail{number:011d}", policies=POLICIES)
    (escalation_id,) = world.runtime.escalations.apply([EscalationMessage.model_validate(fields)]).opened
    return escalation_id


def detail(client: TestClient, escalation_id: int) -> Response:
    response: Response = client.get(f"/escalaties/{escalation_id}")
    return response


def post(client: TestClient, escalation_id: int, action: str, **fields: str) -> Response:
    """Submit the page's form for `action` as a browser would: with the page's token, version and time."""
    page = detail(client, escalation_id).text
    data = {
        "csrf_token": csrf_in(page),
        "version": _hidden(page, "version"),
        "seen_at": _hidden(page, "seen_at"),
        **fields,
    }
    response: Response = client.post(f"/escalaties/{escalation_id}/{action}", data=data)
    return response


def _hidden(page: str, name: str) -> str:
    found = re.search(rf'<input type="hidden" name="{name}" value="([^"]*)">', page)
    assert found is not None, f"no hidden {name} on the page (no action form?)"
    return found.group(1)


def status_of(world: World, escalation_id: int) -> Status:
    found = world.runtime.escalations.get(escalation_id, _everything())
    assert found is not None
    return found.status


def _everything() -> Scope:
    return Scope(everything=True)


def forms_on(page: str) -> set[str]:
    return set(re.findall(r'<form[^>]* action="/escalaties/\d+/([a-z]+)', page))


# ---------------------------------------------------------------------------------------------------
# what the page shows


def test_the_page_shows_the_escalation_its_timeline_and_its_policies(world: World) -> None:
    escalation_id = new_escalation(world)
    log_in(world.client, "anna")

    response = detail(world.client, escalation_id)

    assert response.status_code == 200
    page = response.text
    assert f"<h1>{EVICTION.title}</h1>" in page
    assert '<span class="badge sev-high">hoog</span>' in page
    assert "<dd>open</dd>" in page
    assert "Nieuwe Kerk e.o." in page and "wijk Burgwallen-Nieuwe Zijde" in page and DAM_BUURT in page
    assert "<code>hh:detail" in page and "(pseudoniem)" in page
    assert re.search(r'class="sla sla-ok">erkennen: nog 2[34] u', page)
    timeline = page.split('id="tijdlijn-kop"')[1].split("</section>")[0]
    debt = CATALOGUE["nl.wijkbrug.social.debt_assistance.started"].label_nl
    eviction = CATALOGUE["nl.wijkbrug.housing.eviction.summoned"].label_nl
    assert timeline.index(debt) < timeline.index(eviction), "chronological"
    assert "<strong>" + debt + "</strong> · Sociaal" in timeline
    assert (
        "gebeurtenis <code>sh-1</code>" in timeline
        and "<code>urn:nl:wijkbrug:org:woonstad</code>" in timeline
    )
    assert '<span class="domain">wonen</span> <code>huurbeleid-4.2</code>: Ontruiming na dagvaarding' in page
    assert '<span class="domain">sociaal domein</span> <code>schuldhulp-2.1</code>' in page
    assert "Nog geen besluit." in page
    assert forms_on(page) == {"erkennen", "toewijzen", "reageren"}
    assert '<option value="anna">anna</option>' in page, "taskforce members to assign to"
    assert '<option value="lisa">' not in page, "a liaison is not a taskforce member"
    assert f'href="/stiltes?rule={EVICTION.rule}&amp;subject=hh%3Adetail' in page


def test_every_view_is_audited_like_the_apis(world: World) -> None:
    escalation_id = new_escalation(world)
    log_in(world.client, "lisa")

    detail(world.client, escalation_id)

    entries, total = world.runtime.audit.entries(target=f"escalation:{escalation_id}")
    assert total == 1
    (entry,) = entries
    assert (entry.actor, entry.role, entry.action, entry.detail) == (
        "lisa",
        "liaison",
        "escalation.view",
        {"via": "dashboard"},
    )


def test_a_page_needs_a_login(world: World) -> None:
    response = detail(world.client, world.ids["eviction"])

    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next=/escalaties/{world.ids['eviction']}"


# ---------------------------------------------------------------------------------------------------
# who sees what


@pytest.mark.parametrize(
    ("user", "visible"),
    [
        ("anna", {"eviction", "closure", "permit"}),
        ("bea", {"eviction", "closure", "permit"}),
        ("lisa", {"eviction"}),
        ("piet", {"closure"}),
        ("rik", {"permit"}),
    ],
)
def test_each_role_sees_its_escalations_and_gets_404_for_the_others(
    world: World, user: str, visible: set[str]
) -> None:
    log_in(world.client, user)

    for name, escalation_id in world.ids.items():
        response = detail(world.client, escalation_id)
        assert response.status_code == (200 if name in visible else 404), (user, name)


def test_guessing_the_url_of_a_household_escalation_looks_like_a_missing_one(world: World) -> None:
    log_in(world.client, "rik")

    guessed = detail(world.client, world.ids["eviction"])
    missing = detail(world.client, 987_654)

    assert guessed.status_code == missing.status_code == 404
    assert guessed.text == missing.text
    assert "Deze escalatie bestaat niet, of u mag haar niet zien." in guessed.text
    assert "hh:" not in guessed.text and "Ontruiming" not in guessed.text
    assert world.client.get("/escalaties/abc").status_code == 404


def test_a_resident_sees_an_initiative_without_actions(world: World) -> None:
    log_in(world.client, "rik")

    page = detail(world.client, world.ids["permit"]).text

    assert "Vergunning voor bewonersinitiatief geweigerd" in page
    assert forms_on(page) == set()
    assert "Bij deze escalatie kunt u niets doen" in page
    assert "/stiltes?" not in page


def test_an_admin_sees_everything_acts_on_nothing_and_may_mute(world: World) -> None:
    log_in(world.client, "bea")

    page = detail(world.client, world.ids["closure"]).text

    assert forms_on(page) == set()
    assert "Dempen</a>" in page


def test_a_liaison_may_comment_but_not_change_the_status(world: World) -> None:
    escalation_id = new_escalation(world)
    log_in(world.client, "lisa")

    page = detail(world.client, escalation_id).text
    assert forms_on(page) == {"reageren"}
    assert "/stiltes?" not in page

    refused = post(world.client, escalation_id, "erkennen")
    assert refused.status_code == 403
    assert "U mag deze handeling bij deze escalatie niet uitvoeren." in refused.text
    assert status_of(world, escalation_id) is Status.OPEN


# ---------------------------------------------------------------------------------------------------
# the actions, through the forms


def test_the_whole_lifecycle_through_the_forms(world: World) -> None:
    escalation_id = new_escalation(world)
    log_in(world.client, "anna")

    acknowledged = post(world.client, escalation_id, "erkennen")
    assert acknowledged.status_code == 303
    assert acknowledged.headers["location"] == f"/escalaties/{escalation_id}"
    page = detail(world.client, escalation_id).text
    assert '<p class="flash" role="status">Escalatie erkend.</p>' in page
    assert "Escalatie erkend." not in detail(world.client, escalation_id).text, "a message is shown once"
    assert status_of(world, escalation_id) is Status.ACKNOWLEDGED

    assert post(world.client, escalation_id, "toewijzen", assignee="anna").status_code == 303
    page = detail(world.client, escalation_id).text
    assert "Toegewezen aan anna." in page and "in behandeling, toegewezen aan anna" in page
    assert "besluiten" in forms_on(page)
    assert 'for="opdracht-woonstad">Opdracht voor Woonstad<' in page

    decided = post(
        world.client,
        escalation_id,
        "besluiten",
        kind="maatwerk",
        text="Ontruiming opschorten zolang de schuldhulp loopt.",
        **{"opdracht-woonstad": "Schort de ontruiming op.", "opdracht-sociaal": ""},
    )
    assert decided.status_code == 303
    page = detail(world.client, escalation_id).text
    assert "Besluit vastgelegd" in page
    assert "<strong>Maatwerk</strong>, door anna" in page
    assert "Ontruiming opschorten zolang de schuldhulp loopt." in page
    assert "<td>Schort de ontruiming op.</td>" in page
    assert "<td>Sociaal</td>" not in page, "an empty instruction is no instruction"
    assert status_of(world, escalation_id) is Status.DECIDED

    world.client.cookies.clear()
    log_in(world.client, "lisa")
    page = detail(world.client, escalation_id).text
    assert "bevestigen" in forms_on(page)
    confirmed = post(world.client, escalation_id, "bevestigen/woonstad")
    assert confirmed.status_code == 303
    page = detail(world.client, escalation_id).text
    assert "Opdracht bevestigd als uitgevoerd." in page and "ja, door lisa" in page
    commented = post(world.client, escalation_id, "reageren", text="De corporatie heeft de zaak aangehouden.")
    assert commented.status_code == 303
    assert "De corporatie heeft de zaak aangehouden." in detail(world.client, escalation_id).text

    world.client.cookies.clear()
    log_in(world.client, "anna")
    assert post(world.client, escalation_id, "afhandelen").status_code == 303
    assert status_of(world, escalation_id) is Status.RESOLVED
    assert post(world.client, escalation_id, "heropenen").status_code == 303
    assert status_of(world, escalation_id) is Status.REOPENED
    page = detail(world.client, escalation_id).text
    history = page.split('id="geschiedenis-kop"')[1]
    for label in ("erkend", "toegewezen", "besloten", "opdracht uitgevoerd", "afgehandeld", "heropend"):
        assert f"<strong>{label}</strong>" in history, label
    assert "(besloten → afgehandeld)" in history
    actions = [entry.action for entry in world.runtime.audit.entries(target=f"escalation:{escalation_id}")[0]]
    assert {"escalation.acknowledge", "escalation.decide", "escalation.confirm", "escalation.comment"} <= set(
        actions
    )


def test_a_liaison_confirms_only_their_own_organisations_instruction(world: World) -> None:
    escalation_id = new_escalation(world)
    log_in(world.client, "anna")
    post(world.client, escalation_id, "toewijzen", assignee="anna")
    post(
        world.client,
        escalation_id,
        "besluiten",
        kind="rule_change",
        text="Beleid aanpassen.",
        **{"opdracht-woonstad": "Pas de regel aan.", "opdracht-sociaal": "Meld het traject."},
    )
    world.client.cookies.clear()
    log_in(world.client, "lisa")

    page = detail(world.client, escalation_id).text
    assert page.count("Bevestig als uitgevoerd") == 1, "only woonstad's"

    refused = post(world.client, escalation_id, "bevestigen/sociaal")

    assert refused.status_code == 403
    assert "U mag deze handeling bij deze escalatie niet uitvoeren." in refused.text
    found = world.runtime.escalations.get(escalation_id, _everything())
    assert found is not None and found.decision is not None
    assert all(item.done_at is None for item in found.decision.instructions)


def test_a_form_without_the_csrf_token_is_refused(world: World) -> None:
    escalation_id = new_escalation(world)
    log_in(world.client, "anna")
    page = detail(world.client, escalation_id).text

    for token in (None, "", "forged"):
        data = {"version": _hidden(page, "version")}
        if token is not None:
            data["csrf_token"] = token
        response = world.client.post(f"/escalaties/{escalation_id}/erkennen", data=data)
        assert response.status_code == 403
        assert "Geen toegang" in response.text
        assert "Het formulier mist zijn beveiligingscode" in response.text
    assert status_of(world, escalation_id) is Status.OPEN


def test_a_stale_version_is_a_conflict_in_dutch_and_nothing_is_lost(world: World) -> None:
    escalation_id = new_escalation(world)
    log_in(world.client, "anna")
    stale_page = detail(world.client, escalation_id).text
    assert post(world.client, escalation_id, "erkennen").status_code == 303  # somebody else, meanwhile

    response = world.client.post(
        f"/escalaties/{escalation_id}/toewijzen",
        data={
            "csrf_token": csrf_in(stale_page),
            "version": _hidden(stale_page, "version"),
            "seen_at": _hidden(stale_page, "seen_at"),
            "assignee": "anna",
        },
    )

    assert response.status_code == 409
    assert STALE_PAGE in response.text
    assert "Uw handeling is niet uitgevoerd" in response.text
    assert "<li>anna: erkend (open → gezien)</li>" in response.text
    assert "<li>De status is nu: gezien.</li>" in response.text
    assert f'<a href="/escalaties/{escalation_id}">Pagina opnieuw laden</a>' in response.text
    assert status_of(world, escalation_id) is Status.ACKNOWLEDGED
    found = world.runtime.escalations.get(escalation_id, _everything())
    assert found is not None and found.assignee is None


def test_a_conflicting_decision_keeps_what_the_user_wrote(world: World) -> None:
    escalation_id = new_escalation(world)
    log_in(world.client, "anna")
    post(world.client, escalation_id, "toewijzen", assignee="anna")
    stale_page = detail(world.client, escalation_id).text
    post(world.client, escalation_id, "toewijzen", assignee="anna")  # handed over again: a new version

    response = world.client.post(
        f"/escalaties/{escalation_id}/besluiten",
        data={
            "csrf_token": csrf_in(stale_page),
            "version": _hidden(stale_page, "version"),
            "seen_at": _hidden(stale_page, "seen_at"),
            "kind": "no_action",
            "text": "Geen actie nodig, de zaak is opgelost.",
            "opdracht-woonstad": "Niets doen.",
        },
    )

    assert response.status_code == 409
    assert STALE_PAGE in response.text
    assert ">Geen actie nodig, de zaak is opgelost.</textarea>" in response.text
    assert ">Niets doen.</textarea>" in response.text
    assert 'value="no_action" required checked' in response.text


def test_an_action_the_status_does_not_allow_is_409_in_dutch(world: World) -> None:
    escalation_id = new_escalation(world)
    log_in(world.client, "anna")

    response = post(world.client, escalation_id, "afhandelen")

    assert response.status_code == 409
    assert "Deze handeling past niet bij de huidige status van de escalatie." in response.text
    assert status_of(world, escalation_id) is Status.OPEN


@pytest.mark.parametrize(
    ("action", "fields", "message"),
    [
        ("toewijzen", {"assignee": ""}, "Kies aan wie u de escalatie toewijst."),
        ("toewijzen", {"assignee": "lisa"}, "Controleer de invoer"),
        ("reageren", {"text": "   "}, "Schrijf eerst een reactie."),
        ("reageren", {"text": "x" * 5001}, "De tekst is te lang: hoogstens 5000 tekens."),
    ],
)
def test_an_incomplete_form_is_422_in_dutch(
    world: World, action: str, fields: dict[str, str], message: str
) -> None:
    escalation_id = new_escalation(world)
    log_in(world.client, "anna")

    response = post(world.client, escalation_id, action, **fields)

    assert response.status_code == 422
    assert message in response.text
    assert status_of(world, escalation_id) is Status.OPEN


def test_a_decision_without_a_kind_or_text_is_422_and_keeps_the_input(world: World) -> None:
    escalation_id = new_escalation(world)
    log_in(world.client, "anna")
    post(world.client, escalation_id, "toewijzen", assignee="anna")

    no_kind = post(world.client, escalation_id, "besluiten", kind="", text="Een toelichting.")
    no_text = post(world.client, escalation_id, "besluiten", kind="maatwerk", text="")

    assert no_kind.status_code == no_text.status_code == 422
    assert "Kies wat voor besluit het is" in no_kind.text
    assert ">Een toelichting.</textarea>" in no_kind.text
    assert "Schrijf de toelichting bij het besluit." in no_text.text
    assert status_of(world, escalation_id) is Status.IN_PROGRESS


def test_a_nul_character_in_any_field_of_an_action_form_is_422_not_500(world: World) -> None:
    escalation_id = new_escalation(world)
    log_in(world.client, "anna")
    post(world.client, escalation_id, "toewijzen", assignee="anna")

    fields = {"kind": "maatwerk", "text": "Maatwerk.", "opdracht-woonstad": "Niet \x00 ontruimen."}
    response = post(world.client, escalation_id, "besluiten", **fields)

    assert response.status_code == 422
    assert "Het formulier bevat een teken dat niet kan worden opgeslagen." in response.text
    assert status_of(world, escalation_id) is Status.IN_PROGRESS


def test_a_form_without_a_version_is_422_not_500(world: World) -> None:
    escalation_id = new_escalation(world)
    log_in(world.client, "anna")
    token = csrf_of(world.client.get(f"/escalaties/{escalation_id}"))

    for version in (None, "", "abc", "9" * 40):
        data = {"csrf_token": token}
        if version is not None:
            data["version"] = version
        response = world.client.post(f"/escalaties/{escalation_id}/erkennen", data=data)
        assert response.status_code == 422, version
        assert "Het formulier mist de versie van de escalatie." in response.text


def test_acting_on_an_escalation_outside_the_scope_is_the_same_404(world: World) -> None:
    log_in(world.client, "piet")
    token = csrf_of(world.client.get(f"/escalaties/{world.ids['closure']}"))

    outside = world.client.post(
        f"/escalaties/{world.ids['eviction']}/reageren",
        data={"csrf_token": token, "version": "1", "text": "hoi"},
    )
    missing = world.client.post(
        "/escalaties/987654/reageren", data={"csrf_token": token, "version": "1", "text": "hoi"}
    )

    assert outside.status_code == missing.status_code == 404
    assert outside.text == missing.text
    assert "Ontruiming" not in outside.text


def test_the_trace_reference_names_the_trace_and_fills_in_the_url() -> None:
    traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    assert trace_reference(traceparent, "https://jaeger.gemeente.example/trace/{trace_id}") == {
        "id": "4bf92f3577b34da6a3ce929d0e0e4736",
        "url": "https://jaeger.gemeente.example/trace/4bf92f3577b34da6a3ce929d0e0e4736",
    }
    assert trace_reference(traceparent, None) == {"id": "4bf92f3577b34da6a3ce929d0e0e4736", "url": ""}
    assert trace_reference(None, "https://jaeger/trace/{trace_id}") is None
    assert trace_reference("garbage", None) is None
