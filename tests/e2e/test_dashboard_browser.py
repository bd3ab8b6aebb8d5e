"""The dashboard in a real headless Chromium against a running `wijkbrug up` with the demo scenario loaded.

Each test saves screenshots of the pages it saw (tests/support/browser.py says where).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from playwright.sync_api import Browser, Page, expect

from services.cli.main import cli as cli_group
from services.config import Settings
from services.demo.loader import load_demo
from services.demo.scenario import DEMO_PASSWORD, ORGANISATIONS, USERS, WOCO, scenario_events
from services.deployment import open_deployment
from services.directory.model import Role
from services.geo.registry import BuurtRegistry
from services.geo.shipped import load_shipped_buurten
from tests.support.browser import browser_page, headless_chromium, log_in, screenshot
from tests.support.databases import DatabaseFactory
from tests.support.events import cloudevent, new_subject
from tests.support.hub import Hub, start_hub
from tests.support.kafka_io import read_all
from tests.support.waiting import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.browser, pytest.mark.slow]

TASKFORCE = next(user.name for user in USERS if user.role is Role.TASKFORCE)
LIAISON = next(user for user in USERS if user.role is Role.LIAISON)
RESIDENT = next(user for user in USERS if user.role is Role.RESIDENT)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with headless_chromium() as running:
        yield running


@pytest.fixture(scope="module")
def demo_hub(
    broker_bootstrap: str, databases: DatabaseFactory, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Hub]:
    """`wijkbrug up` with the demo scenario loaded (as `make demo` does), until every demo rule has fired."""
    data_dir: Path = tmp_path_factory.mktemp("demo-hub")
    database_url = databases.new()
    with start_hub(data_dir, database_url=database_url, bootstrap=broker_bootstrap) as hub:
        deployment = open_deployment(Settings(data_dir=data_dir, database_url=database_url), migrate=False)
        try:
            load_demo(deployment, hub.base_url)
        finally:
            deployment.close()
        hub.tokens["api"] = hub.add_user(f"api-{uuid.uuid4().hex[:6]}", "taskforce")
        expected_rules = _demo_rules(hub)
        eventually(
            lambda: {item["rule"] for item in hub.escalations(hub.tokens["api"])},
            until=lambda rules: rules >= expected_rules,
            timeout=90,
            what="an escalation of every rule the demo exercises",
        )
        yield hub


def _demo_rules(hub: Hub) -> set[str]:
    """The rules the demo scenario makes fire, computed by the same engine offline (`rules backtest`)."""
    now = datetime.now(UTC)
    registry = BuurtRegistry(load_shipped_buurten())
    events = [event for batch in scenario_events(now).values() for event in batch]
    for event in events:
        if "buurt" not in event:  # the gateway locates these by their point; so does the test
            point = event["data"]["location"]
            located = registry.locate(point["lat"], point["lon"])
            assert located is not None
            event["buurt"] = located.code
    path = hub.data_dir / "demo-events.jsonl"
    path.write_text("".join(json.dumps(event) + "\n" for event in events))
    until = now.strftime("%Y-%m-%dT%H:%M:%S%z")
    result = CliRunner().invoke(cli_group, ["rules", "backtest", str(path), "--until", until])
    assert result.exit_code == 0, result.output
    return {json.loads(line)["rule"] for line in result.stdout.splitlines() if line.startswith("{")}


def _api(hub: Hub, **filters: str) -> list[dict[str, Any]]:
    return hub.escalations(hub.tokens["api"], **filters)


# ---------------------------------------------------------------------------------------------------


def _open(hub: Hub, **filters: str) -> list[dict[str, Any]]:
    """What the default queue shows: not resolved or withdrawn, not silenced."""
    return [
        item
        for item in _api(hub, **filters)
        if item["status"] not in ("resolved", "withdrawn") and item["silenced_until"] is None
    ]


def _row_ids(page: Page) -> set[int]:
    ids = page.locator("table.queue tbody tr[id^=escalatie-]").evaluate_all("rows => rows.map(r => r.id)")
    return {int(value.removeprefix("escalatie-")) for value in ids}


def test_login_page_and_failed_login(browser: Browser, demo_hub: Hub) -> None:
    with browser_page(browser, demo_hub.base_url) as page:
        page.goto("/login")
        screenshot(page, "01-login")
        log_in(page, TASKFORCE, "wrong password")
        expect(page.get_by_role("alert")).to_contain_text("onjuist wachtwoord")
        screenshot(page, "01-login-failed")
        log_in(page, TASKFORCE, DEMO_PASSWORD)
        expect(page.get_by_role("button", name="Uitloggen")).to_be_visible()


def test_the_taskforce_sees_the_demo_on_the_map_and_in_the_queue_and_decides_one(
    browser: Browser, demo_hub: Hub
) -> None:
    escalations = _open(demo_hub)
    eviction = next(item for item in escalations if item["rule"] == "eviction-during-debt-assistance")
    with browser_page(browser, demo_hub.base_url) as page:
        log_in(page, TASKFORCE, DEMO_PASSWORD)

        expect(page).to_have_url(f"{demo_hub.base_url}/overzicht")
        buurt_links = page.locator("svg.buurtkaart a")
        assert page.locator("svg.buurtkaart path").count() == len(load_shipped_buurten())
        for buurt in {item["buurt"] for item in escalations}:
            expect(page.locator(f'svg.buurtkaart a[href="/escalaties?buurt={buurt}"]')).to_have_count(1)
        assert buurt_links.count() >= len({item["buurt"] for item in escalations})
        screenshot(page, "02-overzicht-taskforce")

        page.locator(f'svg.buurtkaart a[href="/escalaties?buurt={eviction["buurt"]}"]').click()
        expect(page.locator(f"#escalatie-{eviction['id']}")).to_be_visible()
        assert _row_ids(page) == {item["id"] for item in escalations if item["buurt"] == eviction["buurt"]}
        screenshot(page, "03-wachtrij-na-klik-op-buurt")

        page.goto("/escalaties")
        assert _row_ids(page) == {item["id"] for item in escalations}
        screenshot(page, "04-wachtrij-taskforce")

        page.locator(f"#escalatie-{eviction['id']} a").first.click()
        expect(page.get_by_role("heading", name="Tijdlijn over de organisaties heen")).to_be_visible()
        screenshot(page, "05-detail-open")
        page.get_by_role("button", name="Erkennen").click()
        expect(page.get_by_role("status").first).to_contain_text("erkend")
        page.get_by_label("Toewijzen aan").select_option(TASKFORCE)
        page.get_by_role("button", name="Toewijzen", exact=True).click()
        expect(page.get_by_role("status").first).to_contain_text("Toegewezen")
        page.get_by_label("Maatwerk").check()
        page.get_by_label("Toelichting").fill("Ontruiming opschorten zolang de schuldhulp loopt.")
        woco_name = next(org.name for org in ORGANISATIONS if org.slug == WOCO)
        page.get_by_label(f"Opdracht voor {woco_name}").fill("Schort de ontruimingsprocedure op.")
        page.get_by_role("button", name="Besluit vastleggen").click()
        expect(page.get_by_role("status").first).to_contain_text("Besluit vastgelegd")
        screenshot(page, "06-detail-besloten")

    decided = next(item for item in _api(demo_hub) if item["id"] == eviction["id"])
    assert decided["status"] == "decided" and decided["assignee"] == TASKFORCE
    bootstrap, prefix = demo_hub.env["WIJKBRUG_KAFKA_BOOTSTRAP"], demo_hub.env["WIJKBRUG_TOPIC_PREFIX"]
    records = eventually(
        lambda: [
            json.loads(record.value)
            for record in read_all(bootstrap, f"{prefix}buurt.decisions")
            if json.loads(record.value)["data"]["escalation_id"] == eviction["id"]
        ],
        until=lambda found: len(found) == 1,
        timeout=30,
        what="the decision on buurt.decisions",
    )
    assert records[0]["data"]["decision"] == "maatwerk"
    assert records[0]["data"]["instructions"] == [
        {"org": WOCO, "action": "Schort de ontruimingsprocedure op."}
    ]


def test_a_liaison_sees_only_their_organisations_escalations(browser: Browser, demo_hub: Hub) -> None:
    expected = {
        item["id"] for item in _open(demo_hub) if any(e["org"] == LIAISON.org for e in item["evidence"])
    }
    others = {item["id"] for item in _open(demo_hub)} - expected
    assert expected and others  # the demo has both, or this test would prove nothing
    with browser_page(browser, demo_hub.base_url) as page:
        log_in(page, LIAISON.name, DEMO_PASSWORD)
        page.goto("/escalaties")

        assert _row_ids(page) == expected
        screenshot(page, "07-wachtrij-contactpersoon")
        page.goto(f"/escalaties/{min(others)}")
        expect(page.get_by_role("heading", name="Niet gevonden")).to_be_visible()


def test_a_resident_sees_no_household_detail_not_even_by_guessing_urls(
    browser: Browser, demo_hub: Hub
) -> None:
    everything = _api(demo_hub)
    households = [item for item in everything if not item["subject"].startswith("ini:")]
    in_own_buurt = [item for item in households if item["buurt"] in RESIDENT.buurten]
    assert in_own_buurt, "the demo has a household escalation in the resident's buurten"
    with browser_page(browser, demo_hub.base_url) as page:
        log_in(page, RESIDENT.name, DEMO_PASSWORD)
        screenshot(page, "08-overzicht-bewoner")
        page.goto("/escalaties?status=alle")
        assert all(
            item["subject"].startswith("ini:") and item["buurt"] in RESIDENT.buurten
            for item in everything
            if item["id"] in _row_ids(page)
        )
        for item in households:
            assert "hh:" not in page.content() and item["subject"] not in page.content()
        screenshot(page, "09-wachtrij-bewoner")

        for item in in_own_buurt:
            response = page.goto(f"/escalaties/{item['id']}")
            assert response is not None and response.status == 404
            assert item["subject"] not in page.content()
        expect(page.get_by_role("heading", name="Niet gevonden")).to_be_visible()
        screenshot(page, "10-bewoner-raadt-url")
        api = page.request.get(f"/api/v1/escalations/{in_own_buurt[0]['id']}")
        assert api.status == 401


def test_a_new_escalation_appears_in_an_open_queue_without_reload(browser: Browser, demo_hub: Hub) -> None:
    suffix = uuid.uuid4().hex[:6]
    housing, social = f"woco-{suffix}", f"sociaal-{suffix}"
    tokens = {housing: demo_hub.add_org(housing, "housing"), social: demo_hub.add_org(social, "social")}
    subject = new_subject()
    with browser_page(browser, demo_hub.base_url) as page:
        log_in(page, TASKFORCE, DEMO_PASSWORD)
        page.goto("/escalaties")
        expect(page.locator("#live-status")).to_be_visible()
        page.evaluate("window.__sameDocument = true")

        debt = cloudevent(social, "social.debt_assistance.started", subject, time="2026-09-01T08:00:00Z")
        eviction = cloudevent(housing, "housing.eviction.summoned", subject, time="2026-09-20T10:00:00Z")
        assert demo_hub.post_events(tokens[social], debt).status_code == 202
        assert demo_hub.post_events(tokens[housing], eviction).status_code == 202
        (created,) = eventually(
            lambda: _api(demo_hub, subject=subject), until=lambda items: len(items) == 1, timeout=45
        )

        expect(page.locator(f"#escalatie-{created['id']}")).to_be_visible(timeout=30_000)
        assert page.evaluate("window.__sameDocument") is True
        expect(page.locator("#live-melding")).to_contain_text("Nieuwe escalatie")
        screenshot(page, "11-wachtrij-live-nieuwe-escalatie")


def test_the_other_pages_render_for_the_roles_that_use_them(browser: Browser, demo_hub: Hub) -> None:
    admin = next(user.name for user in USERS if user.role is Role.ADMIN)
    viewed = _open(demo_hub)[0]["id"]
    with browser_page(browser, demo_hub.base_url) as page:
        log_in(page, TASKFORCE, DEMO_PASSWORD)
        page.goto(f"/escalaties/{viewed}")  # a view the audit log must show
        page.goto("/knelpunten")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Knelpunten")
        screenshot(page, "12-knelpunten")
        page.goto("/stiltes")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Stiltes")
        screenshot(page, "13-stiltes")
    with browser_page(browser, demo_hub.base_url) as page:
        log_in(page, admin, DEMO_PASSWORD)
        page.goto("/beheer")
        expect(page.get_by_role("heading", name="Gebruikers")).to_be_visible()
        screenshot(page, "14-beheer")
        page.goto(f"/audit?target=escalation:{viewed}")
        rows = page.locator("table.list tbody tr")
        row = rows.filter(has_text="escalation.view").filter(has_text=TASKFORCE)
        expect(row.first).to_be_visible()
        screenshot(page, "15-auditlog")
    with browser_page(browser, demo_hub.base_url, width=820, height=1180) as page:
        log_in(page, TASKFORCE, DEMO_PASSWORD)
        page.goto("/escalaties")
        screenshot(page, "16-wachtrij-tablet")
