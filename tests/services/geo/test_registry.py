from __future__ import annotations

import dataclasses
import itertools

import pytest
import shapely
from shapely.geometry import Polygon

from services.geo.errors import DuplicateBuurtError, EmptyRegistryError
from services.geo.model import Buurt
from services.geo.registry import BuurtRegistry


@pytest.fixture(scope="module")
def amsterdam(amsterdam_buurten: list[Buurt]) -> BuurtRegistry:
    return BuurtRegistry(amsterdam_buurten)


def _box(code: str, minx: float, miny: float, maxx: float, maxy: float) -> Buurt:
    return Buurt(
        code=code,
        name=code,
        wijk_code="WK" + code[2:8],
        wijk_name="wijk",
        stadsdeel_code="X",
        stadsdeel_name="stadsdeel",
        centroid_lat=(miny + maxy) / 2,
        centroid_lon=(minx + maxx) / 2,
        population=None,
        geometry=shapely.box(minx, miny, maxx, maxy),
    )


# Four unit squares around (lon 5, lat 52): codes increase clockwise from the south-west square.
QUADRANTS = [
    _box("BU0000AA01", 4.0, 51.0, 5.0, 52.0),
    _box("BU0000AA02", 4.0, 52.0, 5.0, 53.0),
    _box("BU0000AA03", 5.0, 52.0, 6.0, 53.0),
    _box("BU0000AA04", 5.0, 51.0, 6.0, 52.0),
]


def test_every_representative_point_locates_its_own_buurt(amsterdam: BuurtRegistry) -> None:
    assert len(amsterdam) == 439
    for buurt in amsterdam:
        point = buurt.geometry.representative_point()
        located = amsterdam.locate(point.y, point.x)
        assert located is not None and located.code == buurt.code


@pytest.mark.parametrize(
    ("lat", "lon"),
    [
        (52.3874, 4.6462),  # Haarlem
        (52.0907, 5.1214),  # Utrecht
        (52.5000, 4.5000),  # North Sea
        (4.8926, 52.3731),  # the Dam with latitude and longitude swapped
        (float("nan"), float("nan")),
    ],
)
def test_points_outside_the_city_locate_nothing(amsterdam: BuurtRegistry, lat: float, lon: float) -> None:
    assert amsterdam.locate(lat, lon) is None


def test_the_ij_belongs_to_a_buurt(amsterdam: BuurtRegistry) -> None:
    # CBS buurten partition the whole municipality, water included: the IJ behind Centraal Station
    # is not a gap in the map.
    assert amsterdam.locate(52.3822, 4.9005) is not None


def test_dam_square_is_in_burgwallen_nieuwe_zijde(amsterdam: BuurtRegistry) -> None:
    dam = amsterdam.locate(52.3731, 4.8926)
    assert dam is not None
    assert dam.wijk_name == "Burgwallen-Nieuwe Zijde"
    assert dam.stadsdeel_name == "Centrum"


def test_a_shared_amsterdam_vertex_resolves_to_the_lowest_code(amsterdam: BuurtRegistry) -> None:
    checked = 0
    buurten = list(amsterdam)
    for first, second in itertools.combinations(buurten[:60], 2):
        shared = set(map(tuple, shapely.get_coordinates(first.geometry))) & set(
            map(tuple, shapely.get_coordinates(second.geometry))
        )
        for lon, lat in sorted(shared)[:1]:
            point = shapely.Point(lon, lat)
            covering = sorted(buurt.code for buurt in buurten if buurt.geometry.covers(point))
            assert len(covering) >= 2
            located = amsterdam.locate(lat, lon)
            assert located is not None and located.code == covering[0]
            checked += 1
    assert checked >= 10


@pytest.mark.parametrize("order", list(itertools.permutations(range(4))))
def test_border_points_resolve_to_the_lowest_code_whatever_the_input_order(order: tuple[int, ...]) -> None:
    registry = BuurtRegistry(QUADRANTS[index] for index in order)
    cases = [
        ((52.0, 5.0), "BU0000AA01"),  # the corner all four share
        ((52.5, 5.0), "BU0000AA02"),  # the edge between 02 and 03
        ((52.0, 5.5), "BU0000AA03"),  # the edge between 03 and 04
        ((51.5, 5.0), "BU0000AA01"),  # the edge between 01 and 04
        ((52.5, 5.5), "BU0000AA03"),  # inside 03 only
        ((53.0, 6.0), "BU0000AA03"),  # the outer corner of 03
    ]
    for (lat, lon), code in cases:
        located = registry.locate(lat, lon)
        assert located is not None and located.code == code, (lat, lon)
    assert registry.locate(53.0001, 6.0) is None


def test_lookup_by_code_and_iteration_order() -> None:
    registry = BuurtRegistry(reversed(QUADRANTS))
    assert [buurt.code for buurt in registry] == sorted(buurt.code for buurt in QUADRANTS)
    assert len(registry) == 4
    assert registry.get("BU0000AA03") is QUADRANTS[2]
    assert registry.get("BU0000AA05") is None
    assert "BU0000AA01" in registry
    assert "BU0000AA05" not in registry
    assert 12 not in registry


def test_bounds_cover_all_buurten() -> None:
    assert BuurtRegistry(QUADRANTS).bounds == (4.0, 51.0, 6.0, 53.0)
    assert BuurtRegistry(QUADRANTS[2:3]).bounds == (5.0, 52.0, 6.0, 53.0)


def test_amsterdam_bounds_contain_every_buurt(amsterdam: BuurtRegistry) -> None:
    minx, miny, maxx, maxy = amsterdam.bounds
    for buurt in amsterdam:
        bminx, bminy, bmaxx, bmaxy = buurt.geometry.bounds
        assert minx <= bminx and miny <= bminy and bmaxx <= maxx and bmaxy <= maxy
    assert {minx, miny, maxx, maxy} <= {value for buurt in amsterdam for value in buurt.geometry.bounds}


def test_duplicate_codes_are_refused() -> None:
    twin = dataclasses.replace(QUADRANTS[1], code=QUADRANTS[0].code)
    with pytest.raises(DuplicateBuurtError, match="BU0000AA01"):
        BuurtRegistry([*QUADRANTS, twin])


def test_an_empty_registry_locates_nothing_and_has_no_bounds() -> None:
    registry = BuurtRegistry([])
    assert len(registry) == 0
    assert list(registry) == []
    assert registry.locate(52.0, 5.0) is None
    with pytest.raises(EmptyRegistryError):
        _ = registry.bounds


def test_a_multipolygon_buurt_is_found_in_either_part() -> None:
    islands = dataclasses.replace(
        QUADRANTS[0],
        geometry=shapely.MultiPolygon([shapely.box(0, 0, 1, 1), Polygon([(3, 3), (4, 3), (4, 4)])]),
    )
    registry = BuurtRegistry([islands])
    assert registry.locate(0.5, 0.5) is islands
    assert registry.locate(3.2, 3.8) is islands
    assert registry.locate(2.0, 2.0) is None
