from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Callable
from typing import Any

import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon

from services.geo.errors import DuplicateBuurtError, FeatureError
from services.geo.model import Buurt, sorted_by_code

# A precise, clockwise RD-like square near the Dam, in lon/lat.
DAM_SQUARE = Polygon(
    [
        (4.89150123, 52.37250456),
        (4.89150123, 52.37370789),
        (4.89370321, 52.37370789),
        (4.89370321, 52.37250456),
    ]
)


def _buurt(**changes: Any) -> Buurt:
    buurt = Buurt(
        code="BU0363AD05",
        name="Nieuwe Kerk e.o.",
        wijk_code="WK0363AD",
        wijk_name="Burgwallen-Nieuwe Zijde",
        stadsdeel_code="A",
        stadsdeel_name="Centrum",
        centroid_lat=52.373106543210,
        centroid_lon=4.892602123456,
        population=825,
        geometry=DAM_SQUARE,
    )
    return dataclasses.replace(buurt, **changes)


def test_feature_properties_are_all_scalar_fields() -> None:
    feature = _buurt().to_feature()
    scalar_fields = {field.name for field in dataclasses.fields(Buurt)} - {"geometry"}
    assert feature["type"] == "Feature"
    assert feature["id"] == "BU0363AD05"
    assert set(feature["properties"]) == scalar_fields
    assert feature["properties"]["wijk_name"] == "Burgwallen-Nieuwe Zijde"
    assert feature["properties"]["population"] == 825


def test_feature_rounds_centroid_and_coordinates_to_six_decimals() -> None:
    feature = _buurt().to_feature()
    assert feature["properties"]["centroid_lat"] == 52.373107
    assert feature["properties"]["centroid_lon"] == 4.892602
    ring = feature["geometry"]["coordinates"][0]
    assert [4.891501, 52.372505] in ring
    assert all(len(repr(value).partition(".")[2]) <= 6 for point in ring for value in point)


def test_feature_is_strict_json() -> None:
    text = json.dumps(_buurt(population=None).to_feature(), allow_nan=False)
    assert json.loads(text)["properties"]["population"] is None


@pytest.mark.parametrize("population", [825, 0, None])
@pytest.mark.parametrize(
    "geometry", [DAM_SQUARE, MultiPolygon([DAM_SQUARE, shapely.box(4.9, 52.4, 4.91, 52.41)])]
)
def test_feature_round_trip(population: int | None, geometry: Any) -> None:
    original = _buurt(population=population, geometry=geometry)
    restored = Buurt.from_feature(json.loads(json.dumps(original.to_feature())))
    assert dataclasses.replace(restored, geometry=geometry, centroid_lat=0.0, centroid_lon=0.0) == (
        dataclasses.replace(original, centroid_lat=0.0, centroid_lon=0.0)
    )
    assert restored.centroid_lat == pytest.approx(original.centroid_lat, abs=5e-7)
    assert restored.centroid_lon == pytest.approx(original.centroid_lon, abs=5e-7)
    assert restored.geometry.geom_type == geometry.geom_type
    assert shapely.hausdorff_distance(restored.geometry, geometry) < 1e-6


def test_from_feature_repairs_a_self_intersecting_polygon() -> None:
    feature = _buurt().to_feature()
    feature["geometry"] = {
        "type": "Polygon",
        "coordinates": [[[4.0, 52.0], [4.1, 52.1], [4.1, 52.0], [4.0, 52.1]]],
    }
    assert Buurt.from_feature(feature).geometry.is_valid


def _set(path: tuple[str, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(feature: dict[str, Any]) -> None:
        target = feature
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


def _delete(path: tuple[str, ...]) -> Callable[[dict[str, Any]], None]:
    def mutate(feature: dict[str, Any]) -> None:
        target = feature
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return mutate


@pytest.mark.parametrize(
    ("mutate", "problem"),
    [
        (_set(("type",), "FeatureCollection"), "type 'Feature'"),
        (_set(("properties",), None), "no properties"),
        (_set(("properties", "code"), "BU0363AD5"), "not a CBS buurtcode"),
        (_delete(("properties", "name")), "'name' must be a string"),
        (_set(("properties", "wijk_name"), 12), "'wijk_name' must be a string"),
        (_set(("properties", "centroid_lat"), "52.37"), "'centroid_lat' must be a number"),
        (_set(("properties", "centroid_lon"), True), "'centroid_lon' must be a number"),
        (_set(("properties", "population"), "825"), "'population' must be null or a count"),
        (_set(("properties", "population"), -1), "'population' must be null or a count"),
        (_set(("properties", "population"), 8.5), "'population' must be null or a count"),
        (_set(("properties", "population"), True), "'population' must be null or a count"),
        (_set(("geometry",), None), "unusable geometry"),
        (_set(("geometry",), {"type": "Point", "coordinates": [4.9, 52.4]}), "got a Point"),
        (_set(("geometry",), {"type": "Polygon", "coordinates": []}), "empty"),
        (_set(("geometry",), {"type": "Polygon", "coordinates": [[[4.9]]]}), "unusable geometry"),
        (_delete(("geometry",)), "unusable geometry"),
    ],
)
def test_from_feature_rejects_malformed_features(
    mutate: Callable[[dict[str, Any]], None], problem: str
) -> None:
    feature = copy.deepcopy(_buurt().to_feature())
    mutate(feature)
    with pytest.raises(FeatureError, match=problem):
        Buurt.from_feature(feature)


def test_sorted_by_code_orders_and_refuses_duplicates() -> None:
    later, earlier = _buurt(code="BU0363AD06"), _buurt(code="BU0363AD05")
    assert sorted_by_code([later, earlier]) == [earlier, later]
    assert sorted_by_code([]) == []
    with pytest.raises(DuplicateBuurtError, match="BU0363AD05"):
        sorted_by_code([earlier, later, _buurt(name="another")])
