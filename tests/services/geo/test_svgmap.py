"""The buurten as SVG paths: projected, fitted into the viewBox, simplified, small, computed once."""

from __future__ import annotations

import re
import threading

import pytest
import shapely
from shapely.geometry import Polygon

from services.geo.errors import EmptyRegistryError
from services.geo.model import Buurt
from services.geo.registry import BuurtRegistry
from services.geo.shipped import load_shipped_buurten
from services.geo.svgmap import MAP_WIDTH, BuurtMapCache, build_buurt_map

NUMBER = re.compile(r"-?\d+")
#: The shipped buurten of Amsterdam (439) as a map stays well below this many bytes of path data.
AMSTERDAM_PATH_BUDGET = 40_000


@pytest.fixture(scope="module")
def amsterdam() -> BuurtRegistry:
    return BuurtRegistry(load_shipped_buurten())


def rings(path: str) -> list[list[tuple[int, int]]]:
    """The absolute points of each subpath of path data as build_buurt_map writes it."""
    found = []
    for subpath in re.findall(r"M[^z]*z", path):
        start, _, steps = subpath[1:-1].partition("l")
        x, y = (int(value) for value in NUMBER.findall(start))
        points = [(x, y)]
        deltas = [int(value) for value in NUMBER.findall(steps)]
        for dx, dy in zip(deltas[::2], deltas[1::2], strict=True):
            x, y = x + dx, y + dy
            points.append((x, y))
        found.append(points)
    return found


def buurt(code: str, geometry: Polygon) -> Buurt:
    centre = geometry.centroid
    return Buurt(
        code=code,
        name=code,
        wijk_code="WK" + code[2:8],
        wijk_name="wijk",
        stadsdeel_code="X",
        stadsdeel_name="stadsdeel",
        centroid_lat=centre.y,
        centroid_lon=centre.x,
        population=None,
        geometry=geometry,
    )


def test_every_buurt_of_amsterdam_has_a_shape_in_code_order(amsterdam: BuurtRegistry) -> None:
    found = build_buurt_map(amsterdam)

    assert [shape.code for shape in found.shapes] == [item.code for item in amsterdam]
    assert len(found.shapes) == 439
    assert all(rings(shape.path) for shape in found.shapes)


def test_the_map_fits_the_view_box_with_the_municipalitys_proportions(amsterdam: BuurtRegistry) -> None:
    found = build_buurt_map(amsterdam)

    points = [point for shape in found.shapes for ring in rings(shape.path) for point in ring]
    xs, ys = [x for x, _ in points], [y for _, y in points]
    assert found.view_box == f"0 0 {MAP_WIDTH} {found.height}"
    assert 0 < min(xs) <= 5 and MAP_WIDTH - 5 <= max(xs) < MAP_WIDTH
    assert 0 < min(ys) <= 5 and found.height - 6 <= max(ys) < found.height
    # Amsterdam is about 24 km wide and 17 km high in RD New.
    assert 0.68 < found.height / found.width < 0.76


def test_north_is_up_and_east_is_right(amsterdam: BuurtRegistry) -> None:
    found = {shape.code: rings(shape.path)[0][0] for shape in build_buurt_map(amsterdam).shapes}
    dam, noord, zuidoost = (amsterdam.get(code) for code in ("BU0363AD05", "BU0363NA01", "BU0363TA01"))
    assert dam is not None and noord is not None and zuidoost is not None
    assert noord.centroid_lat > dam.centroid_lat and zuidoost.centroid_lon > dam.centroid_lon

    assert found["BU0363NA01"][1] < found["BU0363AD05"][1]
    assert found["BU0363TA01"][0] > found["BU0363AD05"][0]


def test_the_map_of_amsterdam_is_small(amsterdam: BuurtRegistry) -> None:
    found = build_buurt_map(amsterdam)

    size = sum(len(shape.path) for shape in found.shapes)
    vertices = sum(len(ring) for shape in found.shapes for ring in rings(shape.path))
    assert size < AMSTERDAM_PATH_BUDGET
    assert vertices < sum(shapely.get_num_coordinates(item.geometry) for item in amsterdam) / 2


def test_a_hole_is_a_subpath_of_its_own() -> None:
    outer = shapely.box(4.80, 52.30, 4.90, 52.40)
    inner = shapely.box(4.84, 52.34, 4.86, 52.36)
    ring = Polygon(outer.exterior.coords, [inner.exterior.coords])

    found = build_buurt_map([buurt("BU0000AA01", ring), buurt("BU0000AA02", inner)])

    assert len(rings(found.shapes[0].path)) == 2
    assert len(rings(found.shapes[1].path)) == 1


def test_a_buurt_smaller_than_a_unit_is_still_on_the_map() -> None:
    big = shapely.box(4.70, 52.30, 5.00, 52.45)
    tiny = shapely.box(4.85, 52.35, 4.85001, 52.35001)

    found = build_buurt_map([buurt("BU0000AA01", big), buurt("BU0000AA02", tiny)])

    assert found.shapes[1].path.endswith("h1v1h-1z"), "a unit square"
    (square,) = rings(found.shapes[1].path.replace("h1v1h-1", "l1 0 0 1-1 0"))
    assert len(square) == 4
    x, y = square[0]
    assert 0 < x < found.width and 0 < y < found.height


def test_an_empty_set_of_buurten_has_no_map() -> None:
    with pytest.raises(EmptyRegistryError):
        build_buurt_map([])


def test_the_cache_computes_a_registrys_map_once(amsterdam: BuurtRegistry) -> None:
    cache = BuurtMapCache()
    results = []

    def fetch() -> None:
        results.append(cache.for_registry(amsterdam))

    threads = [threading.Thread(target=fetch) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(results) == 3
    assert all(result is results[0] for result in results)
    assert cache.for_registry(amsterdam) is results[0]


def test_the_cache_follows_a_new_registry(amsterdam: BuurtRegistry) -> None:
    cache = BuurtMapCache()
    first = cache.for_registry(amsterdam)
    smaller = BuurtRegistry(item for item in amsterdam if item.stadsdeel_code == "A")

    second = cache.for_registry(smaller)

    assert second is not first
    assert len(second.shapes) == len(smaller) < len(first.shapes)
