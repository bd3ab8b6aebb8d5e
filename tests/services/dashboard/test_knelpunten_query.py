"""The knelpunten filters from the URL: known values are taken, unknown ones ignored and said."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from services.dashboard.knelpunten_query import DEFAULT_PERIOD, KnelpuntenFilter, read_filter, wijk_choices
from services.escalations.model import Scope
from services.geo.registry import BuurtRegistry
from services.geo.shipped import load_shipped_buurten
from services.reports.areas import Wijk

REGISTRY = BuurtRegistry(load_shipped_buurten())
NOORD = Wijk("WK0363NA", "Noord", "Noord", frozenset({"BU0363NA01"}))
CENTRUM = Wijk("WK0363AD", "Centrum", "Centrum", frozenset({"BU0363AD05", "BU0363AD01"}))


def test_known_values_are_taken() -> None:
    found = read_filter("3", "WK0363AD", [NOORD, CENTRUM])

    assert found == KnelpuntenFilter(period=3, wijk=CENTRUM)
    assert found.params() == {"periode": "3", "wijk": "WK0363AD"}


def test_nothing_given_is_the_default() -> None:
    found = read_filter("", "", [NOORD])

    assert found == KnelpuntenFilter(period=DEFAULT_PERIOD)
    assert found.params() == {"periode": "12"}


def test_unknown_values_are_ignored_and_listed() -> None:
    found = read_filter("-1", "WK0363AE", [NOORD])

    assert (found.period, found.wijk) == (DEFAULT_PERIOD, None)
    assert found.ignored == ("onbekende periode '-1'", "onbekende wijk 'WK0363AE'")


def test_the_query_covers_the_period_and_the_wijks_buurten() -> None:
    query = KnelpuntenFilter(period=6, wijk=CENTRUM).query(
        datetime(2026, 11, 23, tzinfo=UTC), ZoneInfo("Europe/Amsterdam")
    )

    assert [month.key for month in query.months] == [
        "2026-06",
        "2026-07",
        "2026-08",
        "2026-09",
        "2026-10",
        "2026-11",
    ]
    assert query.buurten == CENTRUM.buurten


def test_a_resident_chooses_among_the_wijken_of_their_buurten() -> None:
    everyone = wijk_choices(REGISTRY, Scope(everything=True))
    resident = wijk_choices(REGISTRY, Scope(buurten=frozenset({"BU0363AD05", "BU0363NA01"})))

    assert len(everyone) == len({buurt.wijk_code for buurt in REGISTRY})
    assert sorted(wijk.code for wijk in resident) == ["WK0363AD", "WK0363NA"]
    assert wijk_choices(REGISTRY, Scope(org="woonstad")) == everyone
