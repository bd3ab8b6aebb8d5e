from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
from pyproj import Transformer

from services.geo.cbs import KerncijfersRow, with_population
from services.geo.errors import DuplicateBuurtError, FeatureError
from services.geo.model import Buurt
from services.geo.names import read_area_names, repair_names
from services.geo.shipped import (
    build_feature_collection,
    dump_feature_collection,
    feature_collection_to_buurten,
    load_shipped_buurten,
)

SHIPPED_PATH = Path(__file__).resolve().parents[3] / "services" / "geo" / "data" / "amsterdam-buurten.json"


@pytest.fixture(scope="module")
def shipped_text() -> str:
    return (files("services.geo") / "data" / "amsterdam-buurten.json").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def shipped() -> list[Buurt]:
    return load_shipped_buurten()


def test_the_file_is_in_the_source_tree_and_small() -> None:
    assert SHIPPED_PATH.is_file()
    assert SHIPPED_PATH.stat().st_size < 2_000_000


def test_the_file_is_a_compact_attributed_feature_collection(shipped_text: str) -> None:
    collection = json.loads(shipped_text)
    assert collection["type"] == "FeatureCollection"
    assert collection["attribution"] == "Bron: CBS, Gemeente Amsterdam (CC BY 4.0)"
    codes = [feature["id"] for feature in collection["features"]]
    assert codes == sorted(codes)
    assert dump_feature_collection(collection) == shipped_text
    assert "\n" not in shipped_text.rstrip("\n")


def test_every_coordinate_has_at_most_six_decimals(shipped_text: str) -> None:
    for feature in json.loads(shipped_text)["features"]:
        coordinates = shapely.get_coordinates(shapely.geometry.shape(feature["geometry"])).ravel()
        assert all(round(float(value), 6) == value for value in coordinates), feature["id"]


def test_shipped_buurten_match_the_csv_files(
    shipped: list[Buurt],
    amsterdam_buurten: list[Buurt],
    amsterdam_kerncijfers: dict[str, KerncijfersRow],
    kerncijfers_csv: Path,
) -> None:
    # The shipped names are the buurt file's, with the letters an export mangled (U+FFFD) repaired.
    repaired = repair_names(
        with_population(amsterdam_buurten, amsterdam_kerncijfers), read_area_names(kerncijfers_csv)
    )
    expected = sorted(repaired, key=lambda buurt: buurt.code)
    assert [buurt.code for buurt in shipped] == [buurt.code for buurt in expected]
    for got, want in zip(shipped, expected, strict=True):
        assert (got.name, got.wijk_code, got.wijk_name, got.stadsdeel_code, got.stadsdeel_name) == (
            want.name,
            want.wijk_code,
            want.wijk_name,
            want.stadsdeel_code,
            want.stadsdeel_name,
        )
        assert got.population == want.population
        assert got.population is not None
        assert got.centroid_lat == pytest.approx(want.centroid_lat, abs=5e-7)
        assert got.centroid_lon == pytest.approx(want.centroid_lon, abs=5e-7)


def test_shipped_polygons_stay_within_a_metre_of_the_source(
    shipped: list[Buurt], raw_buurten_rows: list[dict[str, str]]
) -> None:
    # Project the shipped WGS84 polygons back to RD New and compare them with the original WKT.
    to_rd = Transformer.from_crs("EPSG:4326", "EPSG:28992", always_xy=True)
    sources = {
        row["BUURTCODE_CBS_2022"]: shapely.from_wkt(row["geometrie"].split(";", 1)[1])
        for row in raw_buurten_rows
    }
    worst = 0.0
    for buurt in shipped:
        assert buurt.geometry.is_valid
        in_rd = shapely.transform(buurt.geometry, lambda xy: np.column_stack(to_rd.transform(*xy.T)))
        source = sources[buurt.code]
        worst = max(worst, shapely.hausdorff_distance(in_rd, source))
        assert in_rd.area == pytest.approx(source.area, rel=1e-3), buurt.code
    assert worst < 1.0


def _buurt(code: str) -> Buurt:
    return Buurt(
        code, "naam", "WK" + code[2:8], "wijk", "A", "Centrum", 52.0, 5.0, 10, shapely.box(5, 52, 5.1, 52.1)
    )


def test_build_orders_by_code_and_round_trips() -> None:
    buurten = [_buurt("BU0363AB02"), _buurt("BU0363AA09"), _buurt("BU0363AB01")]
    collection = build_feature_collection(buurten)
    assert [feature["id"] for feature in collection["features"]] == ["BU0363AA09", "BU0363AB01", "BU0363AB02"]
    restored = feature_collection_to_buurten(json.loads(dump_feature_collection(collection)))
    assert sorted(buurten, key=lambda buurt: buurt.code) == restored


def test_build_refuses_duplicate_codes() -> None:
    with pytest.raises(DuplicateBuurtError, match="BU0363AA09"):
        build_feature_collection([_buurt("BU0363AA09"), _buurt("BU0363AA09")])


@pytest.mark.parametrize(
    ("collection", "problem"),
    [
        ({"type": "Feature"}, "FeatureCollection"),
        ([], "FeatureCollection"),
        ({"type": "FeatureCollection"}, "list of features"),
        ({"type": "FeatureCollection", "features": [{"type": "Feature"}]}, "no properties"),
    ],
)
def test_malformed_collections_are_refused(collection: Any, problem: str) -> None:
    with pytest.raises(FeatureError, match=problem):
        feature_collection_to_buurten(collection)
