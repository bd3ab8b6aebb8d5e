"""The overview map's classes: limits from the rates, colours from the palette, a legend that says it all."""

from __future__ import annotations

import pytest
import shapely

from services.dashboard.choropleth import (
    NO_POPULATION,
    OUT_OF_SCOPE,
    PALETTE,
    choropleth,
    class_colours,
    class_index,
    class_labels,
    class_limits,
    round_up,
)
from services.geo.model import Buurt
from services.geo.registry import BuurtRegistry
from services.geo.svgmap import build_buurt_map


def buurt(code: str, west: float, population: int | None) -> Buurt:
    return Buurt(
        code=code,
        name=f"buurt {code[-2:]}",
        wijk_code="WK" + code[2:8],
        wijk_name="wijk",
        stadsdeel_code="X",
        stadsdeel_name="stadsdeel",
        centroid_lat=52.35,
        centroid_lon=west + 0.005,
        population=population,
        geometry=shapely.box(west, 52.3, west + 0.01, 52.4),
    )


REGISTRY = BuurtRegistry(
    [
        buurt("BU0000AA01", 4.80, 1000),
        buurt("BU0000AA02", 4.81, 2000),
        buurt("BU0000AA03", 4.82, 500),
        buurt("BU0000AA04", 4.83, None),
        buurt("BU0000AA05", 4.84, 0),
        buurt("BU0000AA06", 4.85, 4000),
    ]
)
MAP = build_buurt_map(REGISTRY)


@pytest.mark.parametrize(
    ("value", "rounded"),
    [(0.8439, 0.85), (2.424, 2.5), (1.0, 1.0), (0.05, 0.05), (12.01, 13.0), (99.5, 100.0)],
)
def test_round_up_to_two_significant_digits(value: float, rounded: float) -> None:
    assert round_up(value) == rounded


def test_limits_are_quartiles_of_the_positive_rates() -> None:
    rates = [0.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]

    assert class_limits(rates) == (3.0, 5.0, 7.0)


def test_few_distinct_rates_give_fewer_classes() -> None:
    assert class_limits([]) == ()
    assert class_limits([0.0, 0.0]) == ()
    assert class_limits([2.0, 2.0, 2.0]) == ()
    assert class_limits([1000 / 1185, 2000 / 825]) == (0.85,)


def test_a_rate_falls_in_the_class_up_to_and_including_its_limit() -> None:
    limits = (1.0, 2.0)

    assert [class_index(rate, limits) for rate in (0.1, 1.0, 1.01, 2.0, 9.0)] == [1, 1, 2, 2, 3]


def test_classes_take_the_darkest_colours() -> None:
    assert class_colours(1) == (0, 4)
    assert class_colours(2) == (0, 3, 4)
    assert class_colours(4) == (0, 1, 2, 3, 4)
    assert class_colours(9) == (0, 1, 2, 3, 4)
    assert len(PALETTE) == 5


def test_legend_labels_in_dutch() -> None:
    assert class_labels((0.85, 2.5)) == [
        "meer dan 0 t/m 0,85 per 1.000 inwoners",
        "meer dan 0,85 t/m 2,5 per 1.000 inwoners",
        "meer dan 2,5 per 1.000 inwoners",
    ]
    assert class_labels(()) == ["meer dan 0 per 1.000 inwoners"]


def test_buurten_are_shaded_by_open_escalations_per_thousand_residents() -> None:
    counts = {"BU0000AA01": 1, "BU0000AA02": 4, "BU0000AA03": 4, "BU0000AA04": 3}

    found = choropleth(MAP, REGISTRY, counts, lambda code: True, "buiten")

    shading = {area.code: area.css for area in found.areas}
    # Rates: 1, 2 and 8 per 1,000; AA04 and AA05 have no residents; AA06 none open.
    assert shading == {
        "BU0000AA01": "k2",
        "BU0000AA02": "k3",
        "BU0000AA03": "k4",
        "BU0000AA04": NO_POPULATION,
        "BU0000AA05": NO_POPULATION,
        "BU0000AA06": "k0",
    }
    titles = {area.code: area.title for area in found.areas}
    assert titles["BU0000AA02"] == "buurt 02: 4 open escalaties; 2.000 inwoners, 2,0 per 1.000 inwoners"
    assert titles["BU0000AA01"] == "buurt 01: 1 open escalatie; 1.000 inwoners, 1,0 per 1.000 inwoners"
    assert titles["BU0000AA04"] == "buurt 04: 3 open escalaties; aantal inwoners onbekend"
    assert all(area.href == f"/escalaties?buurt={area.code}" for area in found.areas)
    assert [item.css for item in found.legend] == ["k0", "k2", "k3", "k4", NO_POPULATION]
    assert found.view_box == MAP.view_box


def test_buurten_outside_the_scope_show_no_figures_and_no_link() -> None:
    counts = {"BU0000AA01": 1, "BU0000AA02": 4}

    found = choropleth(MAP, REGISTRY, counts, lambda code: code == "BU0000AA01", "buiten uw buurten")

    outside = [area for area in found.areas if area.code != "BU0000AA01"]
    assert all(area.css == OUT_OF_SCOPE and area.href is None for area in outside)
    assert outside[0].title == "buurt 02: geen cijfers"
    assert [(item.css, item.label) for item in found.legend] == [
        ("k0", "geen open escalaties"),
        ("k4", "meer dan 0 per 1.000 inwoners"),
        (OUT_OF_SCOPE, "buiten uw buurten"),
    ]
