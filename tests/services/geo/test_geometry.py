from __future__ import annotations

from typing import Any

import pytest
import shapely
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, shape

from services.geo.errors import GeometryError
from services.geo.geometry import to_geojson_geometry, valid_polygonal

SQUARE = Polygon([(0, 0), (0, 1), (1, 1), (1, 0)])  # clockwise
BOWTIE = Polygon([(0, 0), (2, 2), (2, 0), (0, 2)])  # self-intersecting: two triangles of area 1


def test_valid_polygon_is_returned_unchanged() -> None:
    assert valid_polygonal(SQUARE) is SQUARE


def test_self_intersecting_polygon_is_repaired_keeping_its_area() -> None:
    assert not BOWTIE.is_valid
    repaired = valid_polygonal(BOWTIE)
    assert repaired.is_valid
    assert isinstance(repaired, MultiPolygon)
    assert repaired.area == pytest.approx(2.0)


def test_overlapping_multipolygon_parts_are_merged() -> None:
    overlapping = MultiPolygon([shapely.box(0, 0, 2, 2), shapely.box(1, 1, 3, 3)])
    assert not overlapping.is_valid
    repaired = valid_polygonal(overlapping)
    assert repaired.is_valid
    assert repaired.area == pytest.approx(7.0)


@pytest.mark.parametrize(
    ("geometry", "problem"),
    [
        (Point(1, 2), "got a Point"),
        (LineString([(0, 0), (1, 1)]), "got a LineString"),
        (Polygon(), "empty"),
        (Polygon([(0, 0), (1, 1), (2, 2)]), "no area"),
    ],
)
def test_unusable_geometries_are_rejected(geometry: Any, problem: str) -> None:
    with pytest.raises(GeometryError, match=problem):
        valid_polygonal(geometry)


def _rings(encoded: dict[str, Any]) -> list[list[list[float]]]:
    polygons = [encoded["coordinates"]] if encoded["type"] == "Polygon" else encoded["coordinates"]
    return [ring for polygon in polygons for ring in polygon]


@pytest.mark.parametrize(
    "geometry",
    [
        Polygon(
            [(4.0, 52.0), (4.0, 52.1), (4.1, 52.1), (4.1, 52.0)],
            holes=[[(4.02, 52.02), (4.08, 52.02), (4.08, 52.08), (4.02, 52.08)]],
        ),
        MultiPolygon([SQUARE, shapely.box(2, 0, 3, 1, ccw=False)]),
    ],
)
def test_geojson_rings_follow_the_right_hand_rule(geometry: Any) -> None:
    encoded = to_geojson_geometry(geometry)
    assert encoded["type"] == geometry.geom_type
    decoded = shape(encoded)
    polygons = [decoded] if isinstance(decoded, Polygon) else list(decoded.geoms)
    for polygon in polygons:
        assert polygon.exterior.is_ccw
        assert all(not hole.is_ccw for hole in polygon.interiors)
    assert decoded.equals(geometry)


def test_geojson_coordinates_are_rounded_to_six_decimals() -> None:
    precise = Polygon([(4.12345678, 52.98765432), (4.2, 52.99999999), (4.3, 52.9), (4.12345678, 52.98765432)])
    encoded = to_geojson_geometry(precise)
    flat = [value for ring in _rings(encoded) for point in ring for value in point]
    original = shapely.get_coordinates(precise).ravel().tolist()
    assert all(len(repr(value).partition(".")[2]) <= 6 for value in flat)
    assert sorted(flat) == pytest.approx(sorted(original), abs=5e-7)
    assert 4.123457 in flat
    assert 53.0 in flat
