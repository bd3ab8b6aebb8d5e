"""The knelpunten page and its CSV: which rules, policies, domains and organisations clash most, where and
per month, filtered by period and wijk; each role counts within its own scope."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import datetime, timedelta

import pytest

from services.dashboard.labels import AMSTERDAM, MONTHS_NL
from services.reports.model import Bucket
from services.reports.periods import months
from tests.support.dashboard import OTHER_BUURT, World, log_in
from tests.support.events import DAM_BUURT

pytestmark = pytest.mark.db

EVICTION = "Ontruimingsprocedure terwijl schuldhulpverlening loopt"
CLOSURE = "Woningsluiting bij lopende jeugdhulp"
PERMIT = "Vergunning voor bewonersinitiatief geweigerd"
DAM_WIJK, ZEEDIJK_WIJK = "WK0363AD", "WK0363AE"
HEADER = ["onderdeel", "sleutel", "naam", "domein", "van", "tot en met", "escalaties", "nog open"]


def page(world: World, user: str, **params: str) -> str:
    log_in(world.client, user)
    response = world.client.get("/knelpunten", params=params)
    assert response.status_code == 200, response.text
    return str(response.text)


def export(world: World, user: str, **params: str) -> list[list[str]]:
    log_in(world.client, user)
    response = world.client.get("/knelpunten.csv", params=params)
    assert response.status_code == 200, response.text
    assert response.content.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte order mark, for Excel"
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    text = response.content.decode("utf-8-sig")
    assert text.endswith("\r\n")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def text(cell: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", cell)).split())


def table(page_text: str, heading_id: str) -> list[list[str]]:
    """The body rows (and footer) of the table in the section headed `heading_id`, as cell texts."""
    section = page_text.split(f'id="{heading_id}"', 1)[1].split("</section>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", section.split("</thead>", 1)[1], re.S)
    return [[text(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)] for row in rows]


def month_index(period: tuple[Bucket, ...], moment: datetime) -> int:
    (index,) = [index for index, bucket in enumerate(period) if bucket.start <= moment < bucket.end]
    return index


def day(moment: datetime) -> str:
    return moment.astimezone(AMSTERDAM).date().isoformat()


def label(bucket: Bucket) -> str:
    start = bucket.start.astimezone(AMSTERDAM)
    return f"{MONTHS_NL[start.month - 1]} {start.year}"


# the page -------------------------------------------------------------------------------------------------


def test_the_rules_that_clash_most(figures: World) -> None:
    found = page(figures, "anna")

    assert table(found, "regels-kop") == [
        [EVICTION, "2", "1", "50%"],
        [CLOSURE, "1", "1", "25%"],
        [PERMIT, "1", "1", "25%"],
    ]
    assert "<strong>4 escalaties</strong>" in found
    assert "waarvan 3 nog open" in found
    assert '<a href="/escalaties?rule=eviction-during-debt-assistance">' in found


def test_the_policies_that_clash_most(figures: World) -> None:
    assert table(page(figures, "anna"), "beleid-kop") == [
        ["huur-7", "wonen", EVICTION, "2", "1", "50%"],
        ["schuld-3", "sociaal domein", EVICTION, "2", "1", "50%"],
        ["apv-2.1", "gemeente", PERMIT, "1", "1", "25%"],
        ["damocles-13b", "veiligheid", CLOSURE, "1", "1", "25%"],
        ["jeugd-2", "sociaal domein", CLOSURE, "1", "1", "25%"],
    ]


def test_the_domains_and_organisations_that_clash(figures: World) -> None:
    found = page(figures, "anna")

    assert table(found, "domeinen-kop") == [
        ["wonen en sociaal domein", "2", "1", "50%"],
        ["veiligheid en sociaal domein", "1", "1", "25%"],
    ]
    assert table(found, "organisaties-kop") == [
        ["Sociaal en Woonstad", "2", "1", "50%"],
        ["Politie en Sociaal", "1", "1", "25%"],
    ]


def test_per_wijk_and_per_buurt(figures: World) -> None:
    found = page(figures, "anna")

    assert table(found, "wijken-kop") == [
        ["Burgwallen-Nieuwe Zijde (Centrum)", "2", "2", "50%"],
        ["Burgwallen-Oude Zijde (Centrum)", "2", "1", "50%"],
    ]
    assert table(found, "buurten-kop") == [
        ["Nieuwe Kerk e.o.", "Burgwallen-Nieuwe Zijde", "2", "2", "50%"],
        ["Kop Zeedijk", "Burgwallen-Oude Zijde", "2", "1", "50%"],
    ]
    assert f'<a href="/knelpunten?periode=12&amp;wijk={DAM_WIJK}">' in found
    assert f'<a href="/escalaties?buurt={OTHER_BUURT}">' in found


def test_per_month(figures: World, opened_from: datetime) -> None:
    found = page(figures, "anna")
    period = months(opened_from, 12, AMSTERDAM)

    expected = {EVICTION: [0] * 12, CLOSURE: [0] * 12, PERMIT: [0] * 12}
    for title, days in ((EVICTION, 2), (CLOSURE, 20), (PERMIT, 45), (EVICTION, 100)):
        expected[title][month_index(period, opened_from - timedelta(days=days))] += 1
    totals = [sum(column) for column in zip(*expected.values(), strict=True)]
    rows = table(found, "maanden-kop")
    assert rows[-1] == ["Totaal", *map(str, totals)]
    assert sorted(rows[:-1]) == sorted([title, *map(str, counts)] for title, counts in expected.items())
    assert rows[0][0] == EVICTION, "the rule with the most escalations first"
    headings = re.findall(r'<th scope="col" class="num">([^<]+)</th>', found.split('id="maanden-kop"', 1)[1])
    assert headings == [label(bucket) for bucket in period]


def test_a_shorter_period(figures: World) -> None:
    found = page(figures, "anna", periode="3")

    # The resolved eviction is 100 days old: more than three calendar months back.
    assert table(found, "regels-kop")[0] == [EVICTION, "1", "1", "33%"]
    assert '<option value="3" selected>Laatste 3 maanden</option>' in found
    assert len(table(found, "maanden-kop")[-1]) == 4


def test_one_wijk(figures: World) -> None:
    found = page(figures, "anna", wijk=DAM_WIJK)

    assert [row[0] for row in table(found, "regels-kop")] == [EVICTION, PERMIT]
    assert table(found, "buurten-kop") == [["Nieuwe Kerk e.o.", "Burgwallen-Nieuwe Zijde", "2", "2", "100%"]]
    assert f'<option value="{DAM_WIJK}" selected>' in found
    assert f'href="/knelpunten.csv?periode=12&amp;wijk={DAM_WIJK}"' in found


@pytest.mark.parametrize(
    ("params", "notice"),
    [
        ({"periode": "7"}, "onbekende periode &#39;7&#39;"),
        ({"periode": "twaalf"}, "onbekende periode &#39;twaalf&#39;"),
        ({"wijk": "WK9999ZZ"}, "onbekende wijk &#39;WK9999ZZ&#39;"),
    ],
)
def test_an_unknown_filter_value_is_ignored_and_said(
    figures: World, params: dict[str, str], notice: str
) -> None:
    found = page(figures, "anna", **params)

    assert f'<p class="notice" role="status">Genegeerd: {notice}.' in found
    assert table(found, "regels-kop")[0] == [EVICTION, "2", "1", "50%"]


def test_a_filter_value_that_is_too_long_is_refused_in_dutch(figures: World) -> None:
    log_in(figures.client, "anna")

    response = figures.client.get("/knelpunten", params={"wijk": "W" * 200})

    assert response.status_code == 422
    assert "Controleer de invoer" in response.text


def test_silenced_escalations_count_withdrawn_ones_do_not(figures: World) -> None:
    found = page(figures, "anna")

    assert "escalaties onder een stilte wel: een stilte dempt de wachtrij, niet het bewijs" in found
    assert "Ingetrokken escalaties (de botsing bleek er niet te zijn) tellen niet mee" in found


# roles ----------------------------------------------------------------------------------------------------


def test_a_liaison_counts_their_organisations_escalations(figures: World) -> None:
    found = page(figures, "lisa")  # woonstad: the open and the resolved eviction

    assert table(found, "regels-kop") == [[EVICTION, "2", "1", "100%"]]
    assert table(found, "organisaties-kop") == [["Sociaal en Woonstad", "2", "1", "100%"]]
    assert CLOSURE not in found and PERMIT not in found


def test_a_resident_counts_their_buurten_only(figures: World) -> None:
    found = page(figures, "rik")

    # Both escalations of their buurt count, the household's as a number only.
    assert table(found, "regels-kop") == [[EVICTION, "1", "1", "50%"], [PERMIT, "1", "1", "50%"]]
    assert table(found, "buurten-kop") == [["Nieuwe Kerk e.o.", "Burgwallen-Nieuwe Zijde", "2", "2", "100%"]]
    assert "Kop Zeedijk" not in found and CLOSURE not in found
    assert "hh:" not in found
    options = re.findall(r'<option value="(WK\w+)"', found)
    assert options == [DAM_WIJK], "only the wijk of their buurt to choose"


def test_a_resident_cannot_widen_the_figures_with_another_wijk(figures: World) -> None:
    found = page(figures, "rik", wijk=ZEEDIJK_WIJK)

    assert "Genegeerd: onbekende wijk" in found
    assert "Kop Zeedijk" not in found


def test_the_page_and_the_export_need_a_login(figures: World) -> None:
    for path in ("/knelpunten", "/knelpunten.csv"):
        response = figures.client.get(path)
        assert response.status_code == 303
        assert response.headers["location"] == f"/login?next={path}"


# the CSV --------------------------------------------------------------------------------------------------


def test_the_csv_has_the_same_figures_row_for_row(figures: World, opened_from: datetime) -> None:
    rows = export(figures, "anna")
    period = months(opened_from, 12, AMSTERDAM)
    first, last = day(period[0].start), day(period[-1].end - timedelta(microseconds=1))

    def whole(section: str, key: str, name: str, domain: str, total: int, still_open: int) -> list[str]:
        return [section, key, name, domain, first, last, str(total), str(still_open)]

    assert rows[0] == HEADER
    assert [row for row in rows if not row[0].startswith(("maand", "regel per maand"))] == [
        HEADER,
        whole("regel", "eviction-during-debt-assistance", EVICTION, "", 2, 1),
        whole("regel", "house-closure-with-youth-care", CLOSURE, "", 1, 1),
        whole("regel", "initiative-permit-refused", PERMIT, "", 1, 1),
        whole("beleid", "huur-7", "huur-7", "wonen", 2, 1),
        whole("beleid", "schuld-3", "schuld-3", "sociaal domein", 2, 1),
        whole("beleid", "apv-2.1", "apv-2.1", "gemeente", 1, 1),
        whole("beleid", "damocles-13b", "damocles-13b", "veiligheid", 1, 1),
        whole("beleid", "jeugd-2", "jeugd-2", "sociaal domein", 1, 1),
        whole("domeinen", "housing+social", "wonen en sociaal domein", "", 2, 1),
        whole("domeinen", "safety+social", "veiligheid en sociaal domein", "", 1, 1),
        whole("organisaties", "sociaal+woonstad", "Sociaal en Woonstad", "", 2, 1),
        whole("organisaties", "politie+sociaal", "Politie en Sociaal", "", 1, 1),
        whole("wijk", DAM_WIJK, "Burgwallen-Nieuwe Zijde (Centrum)", "", 2, 2),
        whole("wijk", ZEEDIJK_WIJK, "Burgwallen-Oude Zijde (Centrum)", "", 2, 1),
        whole("buurt", DAM_BUURT, "Nieuwe Kerk e.o.", "", 2, 2),
        whole("buurt", OTHER_BUURT, "Kop Zeedijk", "", 2, 1),
    ]


def test_the_csv_has_every_month_per_rule_and_in_total(figures: World, opened_from: datetime) -> None:
    rows = export(figures, "anna")
    period = months(opened_from, 12, AMSTERDAM)
    counts = {"eviction-during-debt-assistance": [0] * 12, "house-closure-with-youth-care": [0] * 12}
    counts["initiative-permit-refused"] = [0] * 12
    for rule, days in (
        ("eviction-during-debt-assistance", 2),
        ("house-closure-with-youth-care", 20),
        ("initiative-permit-refused", 45),
        ("eviction-during-debt-assistance", 100),
    ):
        counts[rule][month_index(period, opened_from - timedelta(days=days))] += 1

    def dates(bucket: Bucket) -> list[str]:
        return [day(bucket.start), day(bucket.end - timedelta(microseconds=1))]

    totals = [sum(column) for column in zip(*counts.values(), strict=True)]
    assert [row for row in rows if row[0] == "maand"] == [
        ["maand", bucket.key, label(bucket), "", *dates(bucket), str(total), ""]
        for bucket, total in zip(period, totals, strict=True)
    ]
    per_rule = [row for row in rows if row[0] == "regel per maand"]
    assert len(per_rule) == 3 * 12
    titles = {
        "eviction-during-debt-assistance": EVICTION,
        "house-closure-with-youth-care": CLOSURE,
        "initiative-permit-refused": PERMIT,
    }
    for rule, rule_counts in counts.items():
        assert [row for row in per_rule if row[1] == rule] == [
            ["regel per maand", rule, titles[rule], "", *dates(bucket), str(count), ""]
            for bucket, count in zip(period, rule_counts, strict=True)
        ]


def test_the_csv_is_a_download_named_after_its_period_and_wijk(figures: World, opened_from: datetime) -> None:
    log_in(figures.client, "anna")
    period = months(opened_from, 3, AMSTERDAM)

    response = figures.client.get("/knelpunten.csv", params={"periode": "3", "wijk": DAM_WIJK})

    first = period[0].key
    last = period[-1].key
    assert response.headers["content-disposition"] == (
        f'attachment; filename="knelpunten-{first}-tm-{last}-{DAM_WIJK}.csv"'
    )


def test_the_csv_of_a_resident_has_their_buurten_only(figures: World) -> None:
    rows = export(figures, "rik")

    assert {row[1] for row in rows if row[0] == "buurt"} == {DAM_BUURT}
    assert {row[1] for row in rows if row[0] == "wijk"} == {DAM_WIJK}
    assert not any("hh:" in cell for row in rows for cell in row)


def test_the_csv_of_a_liaison_has_their_organisations_escalations_only(figures: World) -> None:
    rows = export(figures, "piet")

    assert [row[1:3] + row[6:] for row in rows if row[0] == "regel"] == [
        ["house-closure-with-youth-care", CLOSURE, "1", "1"]
    ]
