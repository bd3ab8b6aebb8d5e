"""The queue page (GET /escalaties): filters, sort, paging, SLA badges, the live stream's URL, per role."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from httpx import Response
from sqlalchemy import update

from schemas.escalation import EscalationMessage
from services.db.models import Escalation
from services.db.types import utcnow
from services.silences.model import SilenceDraft
from services.silences.sql import SqlSilenceStore
from tests.support.dashboard import CLOSURE, EVICTION, OTHER_BUURT, PERMIT, World, log_in, running_world
from tests.support.databases import DatabaseFactory
from tests.support.escalations import T0, evidence, message
from tests.support.events import DAM_BUURT

pytestmark = pytest.mark.db

ROW_ID = re.compile(r'<tr id="escalatie-(\d+)"')
#: Buurten of two other wijken for the generated escalations (Haarlemmerbuurt, Oostzanerwerf).
EXTRA_BUURTEN = ("BU0363AA01", "BU0363NA01")
EXTRA = 56  # with the world's three, 59: two pages of 50


def extra_messages() -> list[EscalationMessage]:
    """Household escalations spread over two buurten and the three severities."""
    severities = ("high", "medium", "low")
    return [
        message(
            f"extra-{index}",
            [evidence(f"x-{index}", "woco", T0 + timedelta(hours=index))],
            rule="report-without-followup",
            subject=f"hh:extra{index:012d}",
            buurt=EXTRA_BUURTEN[index % 2],
            severity=severities[index % 3],
        )
        for index in range(EXTRA)
    ]


@pytest.fixture(scope="module")
def queue_world(
    databases: DatabaseFactory, tmp_path_factory: pytest.TempPathFactory, password_hash: str
) -> Iterator[World]:
    """The dashboard world with 59 escalations, read by the tests of this module (none changes it)."""
    with running_world(tmp_path_factory.mktemp("queue"), databases.new(), password_hash) as world:
        world.runtime.escalations.apply(extra_messages())
        yield world


@pytest.fixture
def qw(queue_world: World) -> World:
    queue_world.client.cookies.clear()
    return queue_world


def page_of(world: World, **params: str) -> str:
    response: Response = world.client.get("/escalaties", params=params)
    assert response.status_code == 200, response.text
    return response.text


def row_ids(page: str) -> list[int]:
    return [int(found) for found in ROW_ID.findall(page)]


def total_of(page: str) -> int:
    found = re.search(r'class="count">(\d+) escalatie', page)
    assert found is not None
    return int(found.group(1))


def all_ids(world: World, **params: str) -> list[int]:
    """The ids over every page, in page order."""
    ids: list[int] = []
    for number in range(1, 10):
        page = page_of(world, **params, pagina=str(number))
        ids.extend(row_ids(page))
        if 'rel="next"' not in page:
            return ids
    raise AssertionError("more pages than expected")


def set_columns(world: World, escalation_id: int, **values: object) -> None:
    with world.runtime.sessions.begin() as session:
        session.execute(update(Escalation).where(Escalation.id == escalation_id).values(**values))


# ---------------------------------------------------------------------------------------------------
# the page


def test_the_queue_pages_by_fifty_with_a_total_and_links_that_keep_the_filters(qw: World) -> None:
    log_in(qw.client, "anna")

    first = page_of(qw, severity="high")
    total = total_of(first)

    assert total == 2 + sum(1 for index in range(EXTRA) if index % 3 == 0)
    assert len(row_ids(first)) == min(total, 50)
    everything = page_of(qw)
    assert total_of(everything) == EXTRA + 3
    assert len(row_ids(everything)) == 50
    assert "Pagina 1 van 2" in everything
    assert 'href="/escalaties?pagina=2" rel="next"' in everything
    second = page_of(qw, pagina="2")
    assert len(row_ids(second)) == EXTRA + 3 - 50
    assert 'href="/escalaties" rel="prev"' in second
    assert not set(row_ids(everything)) & set(row_ids(second))
    filtered = page_of(qw, buurt=EXTRA_BUURTEN[0], sort="ernst")
    assert "Pagina" not in filtered, "one page"
    low = page_of(qw, severity="low", status="alle", pagina="1")
    assert 'rel="next"' not in low
    assert page_of(qw, severity="medium", sort="geopend").count("selected>Laatst geopend<") == 1


def test_the_next_link_keeps_every_filter(qw: World) -> None:
    log_in(qw.client, "anna")

    page = page_of(qw, status="alle", gedempt="1")

    assert 'href="/escalaties?status=alle&amp;gedempt=1&amp;pagina=2" rel="next"' in page


def test_each_row_links_to_its_detail_page_and_shows_names_and_an_sla_badge(qw: World) -> None:
    log_in(qw.client, "anna")

    page = page_of(qw, rule=EVICTION.rule)

    (escalation_id,) = row_ids(page)
    assert escalation_id == qw.ids["eviction"]
    assert f'<a class="title" href="/escalaties/{escalation_id}">{EVICTION.title}</a>' in page
    assert "Nieuwe Kerk e.o." in page, "the buurt's name"
    assert "Burgwallen-Nieuwe Zijde" in page, "and its wijk"
    assert '<th scope="col">Termijn</th>' in page
    # Just arrived, high severity: 24 hours to acknowledge, nearly all of it left.
    assert re.search(
        r'class="sla sla-ok" title="De termijn voor erkennen verloopt op [^"]+">erkennen: nog 2[34] u', page
    )


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"buurt": DAM_BUURT}, {"eviction", "permit"}),
        ({"buurt": OTHER_BUURT}, {"closure"}),
        ({"rule": PERMIT.rule}, {"permit"}),
        ({"severity": "medium", "rule": PERMIT.rule}, {"permit"}),
        ({"org": "politie"}, {"closure"}),
        ({"org": "sociaal"}, {"eviction", "closure"}),
    ],
)
def test_filters(qw: World, params: dict[str, str], expected: set[str]) -> None:
    log_in(qw.client, "anna")

    assert set(row_ids(page_of(qw, **params))) == {qw.ids[name] for name in expected}


def test_a_wijk_filters_on_all_of_its_buurten(qw: World) -> None:
    log_in(qw.client, "anna")
    registry = qw.runtime.registry
    dam_wijk = registry.get(DAM_BUURT)
    extra_wijk = registry.get(EXTRA_BUURTEN[1])
    assert dam_wijk is not None and extra_wijk is not None

    in_dam_wijk = set(row_ids(page_of(qw, wijk=dam_wijk.wijk_code)))
    in_extra_wijk = all_ids(qw, wijk=extra_wijk.wijk_code)

    assert {qw.ids["eviction"], qw.ids["permit"]} <= in_dam_wijk
    assert qw.ids["closure"] not in in_dam_wijk
    assert len(in_extra_wijk) == EXTRA // 2
    assert f'<option value="{dam_wijk.wijk_code}" selected>{dam_wijk.wijk_name}</option>' in page_of(
        qw, wijk=dam_wijk.wijk_code
    )


def test_sorting_by_severity_puts_high_first_and_pages_stably(qw: World) -> None:
    log_in(qw.client, "anna")

    ids = all_ids(qw, sort="ernst")

    assert len(ids) == len(set(ids)) == EXTRA + 3, "every escalation once over the pages"
    with qw.runtime.sessions() as session:
        rows = {row.id: row for row in session.query(Escalation).all()}
    rank = {"high": 0, "medium": 1, "low": 2}
    keys = [(rank[rows[i].severity], -rows[i].updated_at.timestamp(), -i) for i in ids]
    assert keys == sorted(keys)


@pytest.mark.parametrize(
    ("sort", "key"),
    [
        ("bijgewerkt", lambda row: (-row.updated_at.timestamp(), -row.id)),
        ("geopend", lambda row: (-row.opened_at.timestamp(), -row.id)),
        ("buurt", lambda row: (row.buurt, -row.updated_at.timestamp(), -row.id)),
    ],
)
def test_the_other_sorts(qw: World, sort: str, key: Callable[[Escalation], tuple[Any, ...]]) -> None:
    log_in(qw.client, "anna")

    ids = all_ids(qw, sort=sort)

    with qw.runtime.sessions() as session:
        rows = {row.id: row for row in session.query(Escalation).all()}
    assert ids == [row.id for row in sorted(rows.values(), key=key)]


def test_equal_sort_keys_are_ordered_by_id_so_pages_do_not_overlap(own_world: World) -> None:
    own_world.runtime.escalations.apply(extra_messages())
    moment = utcnow()
    with own_world.runtime.sessions.begin() as session:
        session.execute(update(Escalation).values(updated_at=moment))
    log_in(own_world.client, "anna")

    ids = all_ids(own_world)

    assert ids == sorted(ids, reverse=True)
    assert len(ids) == EXTRA + 3


@pytest.mark.parametrize(
    "params",
    [
        {"pagina": "abc"},
        {"pagina": "0"},
        {"pagina": "9" * 40},
        {"sort": "onzin"},
        {"buurt": "XX"},
        {"wijk": "x"},
        {"rule": "geen-regel"},
        {"severity": "critical"},
        {"org": "<script>"},
        {"status": "actief"},
    ],
)
def test_unknown_values_count_as_not_given(qw: World, params: dict[str, str]) -> None:
    log_in(qw.client, "anna")

    page = page_of(qw, **params)

    assert total_of(page) == EXTRA + 3
    assert "<script>" not in page


def test_a_page_beyond_the_last_is_empty_with_a_way_back(qw: World) -> None:
    log_in(qw.client, "anna")

    page = page_of(qw, pagina="7")

    assert row_ids(page) == []
    assert "Geen escalaties met deze filters." in page
    assert '<a href="/escalaties">Naar de eerste pagina</a>' in page


def test_every_filter_has_a_label(qw: World) -> None:
    log_in(qw.client, "anna")

    page = page_of(qw)

    controls = re.findall(r'<(?:select|input type="checkbox") id="([^"]+)"', page)
    assert len(controls) == 9
    for control in controls:
        assert f'<label for="{control}">' in page, control
    assert 'role="search"' in page and 'method="get" action="/escalaties"' in page


def test_the_live_stream_url_carries_the_filters_but_not_the_page(qw: World) -> None:
    log_in(qw.client, "anna")

    page = page_of(qw, severity="high", sort="ernst", pagina="2")

    assert 'data-url="/escalaties/live?severity=high"' in page
    assert 'data-insert="nee"' in page, "new rows go on top only on page one, newest first"
    assert 'data-insert="ja"' in page_of(qw)
    assert 'aria-live="polite"' in page
    assert '<script src="/static/live.js" defer></script>' in page


# ---------------------------------------------------------------------------------------------------
# status, SLA and silences (changing escalations: a world per test)


def test_the_default_is_running_and_alle_includes_resolved_and_withdrawn(own_world: World) -> None:
    set_columns(own_world, own_world.ids["closure"], status="resolved")
    set_columns(own_world, own_world.ids["permit"], status="withdrawn")
    log_in(own_world.client, "anna")

    assert set(row_ids(page_of(own_world))) == {own_world.ids["eviction"]}
    assert set(row_ids(page_of(own_world, status="alle"))) == set(own_world.ids.values())
    assert set(row_ids(page_of(own_world, status="resolved"))) == {own_world.ids["closure"]}
    assert '<option value="lopend" selected>Lopend</option>' in page_of(own_world)


def test_over_tijd_shows_only_escalations_whose_clock_ran_out(own_world: World) -> None:
    set_columns(own_world, own_world.ids["closure"], created_at=utcnow() - timedelta(days=3))
    log_in(own_world.client, "anna")

    page = page_of(own_world, over_tijd="1")

    assert row_ids(page) == [own_world.ids["closure"]]
    assert re.search(
        r'class="sla sla-late" title="De termijn voor erkennen verliep op [^"]+">erkennen: 2 d over tijd',
        page,
    )
    assert 'id="f-over-tijd" name="over_tijd" value="1" checked' in page


def test_silenced_escalations_are_hidden_unless_asked_for(own_world: World) -> None:
    now = utcnow()
    draft = SilenceDraft(
        rule=CLOSURE.rule, reason="in overleg", ends_at=now + timedelta(days=7), subject=CLOSURE.subject
    )
    SqlSilenceStore(own_world.runtime.sessions).add(draft, "anna", "taskforce", now)
    log_in(own_world.client, "anna")

    assert own_world.ids["closure"] not in row_ids(page_of(own_world))
    shown = page_of(own_world, gedempt="1")
    assert own_world.ids["closure"] in row_ids(shown)
    assert "gedempt tot" in shown


# ---------------------------------------------------------------------------------------------------
# roles


def test_a_liaison_filters_within_their_organisation(qw: World) -> None:
    log_in(qw.client, "piet")

    assert row_ids(page_of(qw)) == [qw.ids["closure"]]
    assert row_ids(page_of(qw, org="sociaal")) == [qw.ids["closure"]]
    assert row_ids(page_of(qw, buurt=DAM_BUURT)) == []


def test_a_resident_gets_initiatives_of_their_buurten_and_only_those_choices(qw: World) -> None:
    log_in(qw.client, "rik")

    page = page_of(qw, status="alle")

    assert row_ids(page) == [qw.ids["permit"]]
    assert "hh:" not in page
    buurt_options = re.findall(r'<option value="(BU[0-9A-Z]+)"', page)
    assert buurt_options == [DAM_BUURT]
    rule_options = set(
        re.findall(r'<option value="([a-z-]+)"', page.split('id="f-rule"')[1].split("</select>")[0])
    )
    assert rule_options == {"initiative-no-decision", "initiative-permit-refused"}
