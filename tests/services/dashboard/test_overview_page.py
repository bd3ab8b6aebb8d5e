"""The overview page: the buurt map and its table, open escalations per rule and severity, the weekly
trend; each role sees the figures of its own scope only."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta

import pytest

from services.dashboard.labels import AMSTERDAM
from services.dashboard.overview_page import week_label
from services.gateway.runtime import Runtime
from services.reports.periods import iso_weeks
from tests.support.dashboard import OTHER_BUURT, World, log_in
from tests.support.events import DAM_BUURT

pytestmark = pytest.mark.db

DAM, ZEEDIJK = "Nieuwe Kerk e.o.", "Kop Zeedijk"
MAP_LINK = re.compile(r'<a href="/escalaties\?buurt=BU\w+"><title>')


def overview(world: World, user: str) -> str:
    log_in(world.client, user)
    response = world.client.get("/overzicht")
    assert response.status_code == 200, response.text
    return str(response.text)


def population(runtime: Runtime, code: str) -> int:
    buurt = runtime.registry.get(code)
    assert buurt is not None and buurt.population
    return buurt.population


def map_link(page: str, code: str) -> str | None:
    """The title of the map's link to buurt `code`, or None if the map does not link it."""
    found = re.search(
        rf'<a href="/escalaties\?buurt={code}"><title>([^<]*)</title><path class="([^"]+)"', page
    )
    return f"{html.unescape(found.group(1))} [{found.group(2)}]" if found else None


def linked(page: str, code: str) -> str:
    """The title and class of the map's link to buurt `code`, which must be there."""
    found = map_link(page, code)
    assert found is not None, code
    return found


def text(cell: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", cell)).split())


def table_rows(page: str, heading_id: str) -> list[list[str]]:
    """The rows of the table in the section headed `heading_id`, as cell texts."""
    section = page.split(f'id="{heading_id}"', 1)[1].split("</section>", 1)[0]
    body = section.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        [text(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def dutch(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def rate(count: int, residents: int) -> str:
    value = 1000 * count / residents
    return f"{value:.1f}".replace(".", ",") if value >= 1 else f"{value:.2f}".replace(".", ",")


# the map --------------------------------------------------------------------------------------------------


def test_the_map_shades_every_buurt_and_links_it_to_the_queue(figures: World) -> None:
    page = overview(figures, "anna")

    assert len(MAP_LINK.findall(page)) == len(figures.runtime.registry) == 439
    dam = population(figures.runtime, DAM_BUURT)
    zeedijk = population(figures.runtime, OTHER_BUURT)
    assert linked(page, DAM_BUURT) == (
        f"{DAM}: 2 open escalaties; {dutch(dam)} inwoners, {rate(2, dam)} per 1.000 inwoners [k4]"
    )
    assert linked(page, OTHER_BUURT) == (
        f"{ZEEDIJK}: 1 open escalatie; {dutch(zeedijk)} inwoners, {rate(1, zeedijk)} per 1.000 inwoners [k3]"
    )
    assert linked(page, "BU0363AA01").startswith("Planciusbuurt-Noord: 0 open escalaties;")
    assert linked(page, "BU0363AA01").endswith("[k0]")
    assert 'role="group" aria-labelledby="kaart-kop"' in page
    assert 'href="#buurten-kop">Sla de kaart over<' in page


def test_the_legend_names_each_class(figures: World) -> None:
    page = overview(figures, "anna")

    legend = re.findall(r'<li><svg class="swatch"[^>]*><rect class="([^"]+)"[^>]*/></svg>([^<]+)</li>', page)
    classes = [css for css, _ in legend]
    assert classes[:3] == ["k0", "k3", "k4"], "two rates: the darkest two colours"
    assert legend[0][1] == "geen open escalaties"
    assert legend[2][1].startswith("meer dan ") and legend[2][1].endswith(" per 1.000 inwoners")
    # Amsterdam has buurten without residents (industrial areas): hatched, and in the legend.
    assert ("geen-inwoners", "aantal inwoners onbekend") in legend
    assert "buiten" not in classes, "the taskforce sees every buurt"


def test_a_buurt_without_residents_shows_its_count_but_no_rate(figures: World) -> None:
    page = overview(figures, "anna")
    empty = next(buurt for buurt in figures.runtime.registry if not buurt.population)

    assert (
        map_link(page, empty.code)
        == f"{empty.name}: 0 open escalaties; aantal inwoners onbekend [geen-inwoners]"
    )


def test_the_table_next_to_the_map_has_the_same_figures(figures: World) -> None:
    page = overview(figures, "anna")
    dam = population(figures.runtime, DAM_BUURT)
    zeedijk = population(figures.runtime, OTHER_BUURT)

    assert table_rows(page, "buurten-kop") == [
        [f"{DAM} Burgwallen-Nieuwe Zijde", "2", dutch(dam), rate(2, dam)],
        [f"{ZEEDIJK} Burgwallen-Oude Zijde", "1", dutch(zeedijk), rate(1, zeedijk)],
    ]
    assert f'<a href="/escalaties?buurt={DAM_BUURT}">{DAM}</a>' in page
    assert "<strong>3 open escalaties</strong> (alle escalaties in de gemeente)" in page


def test_open_escalations_per_rule_and_severity(figures: World) -> None:
    page = overview(figures, "anna")

    assert table_rows(page, "regels-kop") == [
        ["Ontruimingsprocedure terwijl schuldhulpverlening loopt", "1", "0", "0", "1"],
        ["Vergunning voor bewonersinitiatief geweigerd", "0", "1", "0", "1"],
        ["Woningsluiting bij lopende jeugdhulp", "1", "0", "0", "1"],
    ]
    assert '<a href="/escalaties?rule=initiative-permit-refused">' in page


def test_the_trend_counts_escalations_opened_per_week(figures: World, opened_from: datetime) -> None:
    page = overview(figures, "anna")
    weeks = iso_weeks(opened_from, 12, AMSTERDAM)

    expected = {week.key: 0 for week in weeks}
    for days in (2, 20, 45):  # the resolved one is 100 days old
        (key,) = [week.key for week in weeks if week.start <= opened_from - timedelta(days=days) < week.end]
        expected[key] += 1
    assert table_rows(page, "trend-kop") == [[week_label(week), str(expected[week.key])] for week in weeks]
    assert len(re.findall(r'<rect class="bar"', page)) == 12
    assert 'class="trend-chart" viewBox="0 0 600 180" aria-hidden="true"' in page


def test_silenced_escalations_count(figures: World) -> None:
    assert "een stilte dempt de wachtrij, niet de cijfers" in overview(figures, "anna")


# roles ----------------------------------------------------------------------------------------------------


def test_a_liaison_sees_the_figures_of_their_organisations_escalations(figures: World) -> None:
    page = overview(figures, "lisa")  # woonstad: the open eviction; the resolved one is not open

    assert linked(page, DAM_BUURT).startswith(f"{DAM}: 1 open escalatie;")
    assert linked(page, OTHER_BUURT).startswith(f"{ZEEDIJK}: 0 open escalaties;")
    assert [row[0] for row in table_rows(page, "regels-kop")] == [
        "Ontruimingsprocedure terwijl schuldhulpverlening loopt"
    ]
    assert "Woningsluiting" not in page
    assert "escalaties waarbij woonstad betrokken is" in page


def test_another_liaison_sees_another_buurt(figures: World) -> None:
    page = overview(figures, "piet")

    assert [row[:2] for row in table_rows(page, "buurten-kop")] == [[f"{ZEEDIJK} Burgwallen-Oude Zijde", "1"]]
    assert "Ontruimingsprocedure" not in page


def test_a_resident_sees_the_figures_of_their_buurten_only(figures: World) -> None:
    page = overview(figures, "rik")

    # Both escalations in their buurt count (a household's too, as a number), none elsewhere.
    assert linked(page, DAM_BUURT).startswith(f"{DAM}: 2 open escalaties;")
    assert map_link(page, OTHER_BUURT) is None, "no link, no figures outside their buurten"
    assert re.search(rf'<path class="buiten" d="[^"]+"><title>{ZEEDIJK}: geen cijfers</title></path>', page)
    assert len(MAP_LINK.findall(page)) == 1
    assert [row[:2] for row in table_rows(page, "buurten-kop")] == [[f"{DAM} Burgwallen-Nieuwe Zijde", "2"]]
    assert "Woningsluiting" not in page
    assert "hh:" not in page
    assert ("buiten", "buiten uw buurten: geen cijfers") in re.findall(
        r'<rect class="([^"]+)"[^>]*/></svg>([^<]+)</li>', page
    )
    assert f"alle escalaties in uw buurten: {DAM}" in page


@pytest.mark.parametrize("user", ["anna", "lisa", "piet", "rik", "bea"])
def test_every_role_lands_on_the_overview(figures: World, user: str) -> None:
    response = log_in(figures.client, user)

    assert response.headers["location"] == "/overzicht"
    page = figures.client.get("/overzicht")
    assert page.status_code == 200
    assert '<a href="/overzicht" aria-current="page">Overzicht</a>' in page.text


def test_the_overview_needs_a_login(figures: World) -> None:
    response = figures.client.get("/overzicht")

    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/overzicht"
