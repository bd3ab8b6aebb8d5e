from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon

from services.geo.cbs import KerncijfersRow, read_buurten_csv, read_kerncijfers_csv, with_population
from services.geo.codes import is_buurtcode
from services.geo.errors import ReferenceDataError
from services.geo.model import Buurt

# Metres per degree near Amsterdam (52.37 N), for distances between WGS84 shapes.
METRES_PER_DEGREE_LAT = 111_250.0
METRES_PER_DEGREE_LON = 111_320.0 * math.cos(math.radians(52.37))


def _in_metres(geometry: shapely.Geometry) -> shapely.Geometry:
    return shapely.transform(geometry, lambda xy: xy * (METRES_PER_DEGREE_LON, METRES_PER_DEGREE_LAT))


# --- the real Amsterdam files ---------------------------------------------------------------------


def test_reads_all_439_buurten_with_valid_unique_codes(amsterdam_buurten: list[Buurt]) -> None:
    codes = [buurt.code for buurt in amsterdam_buurten]
    assert len(codes) == 439
    assert len(set(codes)) == 439
    assert all(is_buurtcode(code) for code in codes)


def test_fields_match_the_raw_file(
    amsterdam_buurten: list[Buurt], raw_buurten_rows: list[dict[str, str]]
) -> None:
    assert [buurt.code for buurt in amsterdam_buurten] == [
        row["BUURTCODE_CBS_2022"] for row in raw_buurten_rows
    ]
    for buurt, row in zip(amsterdam_buurten, raw_buurten_rows, strict=True):
        assert (buurt.name, buurt.wijk_name, buurt.stadsdeel_code, buurt.stadsdeel_name) == (
            row["BUURTNAAM_2022"],
            row["WIJKNAAM_2022"],
            row["STADSDEELCODE"],
            row["STADSDEELNAAM"],
        )
        assert (buurt.centroid_lat, buurt.centroid_lon) == (float(row["latitude"]), float(row["longitude"]))
        if row["WIJKCODE_2022"]:
            assert buurt.wijk_code == "WK0363" + row["WIJKCODE_2022"]
        assert buurt.population is None


def test_missing_wijk_codes_are_derived_from_the_buurtcode(
    amsterdam_buurten: list[Buurt],
    raw_buurten_rows: list[dict[str, str]],
    raw_kerncijfers_rows: dict[str, dict[str, str]],
) -> None:
    # Four Noord rows have no WIJKCODE_2022; the kerncijfers file names the derived wijk the same way.
    without_wijk = {row["BUURTCODE_CBS_2022"] for row in raw_buurten_rows if not row["WIJKCODE_2022"]}
    assert without_wijk
    for buurt in amsterdam_buurten:
        if buurt.code in without_wijk:
            assert raw_kerncijfers_rows[buurt.wijk_code]["District_Type"] == buurt.wijk_name


def test_geometries_are_valid_wgs84_polygons(amsterdam_buurten: list[Buurt]) -> None:
    for buurt in amsterdam_buurten:
        assert isinstance(buurt.geometry, Polygon | MultiPolygon)
        assert buurt.geometry.is_valid
        assert buurt.geometry.area > 0


def test_every_csv_centroid_lies_in_or_near_its_transformed_polygon(amsterdam_buurten: list[Buurt]) -> None:
    # The CSV centroids were computed by Gemeente Amsterdam; they only line up with our polygons if the
    # transform (datum shift and axis order) is right. Concave buurten may have a centroid just outside.
    distances = {
        buurt.code: _in_metres(buurt.geometry).distance(
            _in_metres(Point(buurt.centroid_lon, buurt.centroid_lat))
        )
        for buurt in amsterdam_buurten
    }
    assert max(distances.values()) <= 50.0, max(distances.items(), key=lambda item: item[1])
    assert sum(distance == 0.0 for distance in distances.values()) >= 0.95 * len(distances)


def test_csv_centroids_are_the_centroids_of_the_transformed_polygons(amsterdam_buurten: list[Buurt]) -> None:
    # A tighter check of the transform: the published centroid is the polygon's centre of mass.
    for buurt in amsterdam_buurten:
        published = _in_metres(Point(buurt.centroid_lon, buurt.centroid_lat))
        assert _in_metres(buurt.geometry).centroid.distance(published) < 1.0, buurt.code


def test_kerncijfers_has_every_buurt_row_and_skips_gemeente_and_wijk_rows(
    amsterdam_kerncijfers: dict[str, KerncijfersRow], raw_kerncijfers_rows: dict[str, dict[str, str]]
) -> None:
    raw_buurt_codes = {code for code in raw_kerncijfers_rows if code.startswith("BU")}
    assert len(raw_buurt_codes) < len(raw_kerncijfers_rows)
    assert set(amsterdam_kerncijfers) == raw_buurt_codes
    assert all(row.code == code for code, row in amsterdam_kerncijfers.items())


def test_kerncijfers_population_equals_the_raw_file(
    amsterdam_kerncijfers: dict[str, KerncijfersRow], raw_kerncijfers_rows: dict[str, dict[str, str]]
) -> None:
    for code, row in amsterdam_kerncijfers.items():
        assert row.population_total == int(raw_kerncijfers_rows[code]["Population_Total"])


@pytest.mark.parametrize(
    ("code", "population", "household_size", "rental", "low_income", "below_120"),
    [
        # Copied by hand from kerncijfers_2024.csv ("1,3" and "90.0" styles side by side).
        ("BU0363AA01", 345, 1.3, 90.0, 11.9, 20.8),
        ("BU0363AD05", 825, 1.5, 79.0, 6.5, 9.5),
        ("BU0363EN02", 2210, 1.8, 69.0, 9.4, 18.2),
    ],
)
def test_kerncijfers_known_rows(
    amsterdam_kerncijfers: dict[str, KerncijfersRow],
    code: str,
    population: int,
    household_size: float,
    rental: float,
    low_income: float,
    below_120: float,
) -> None:
    row = amsterdam_kerncijfers[code]
    assert row.population_total == population
    assert row.avg_household_size == household_size
    assert row.pct_rental == rental
    assert row.pct_low_income_households == low_income
    assert row.pct_below_120pct_social_min == below_120


def test_suppressed_kerncijfers_are_none(
    amsterdam_kerncijfers: dict[str, KerncijfersRow], raw_kerncijfers_rows: dict[str, dict[str, str]]
) -> None:
    suppressed = {code for code in amsterdam_kerncijfers if raw_kerncijfers_rows[code]["Pct_Rental"] == ""}
    assert suppressed
    assert {code for code, row in amsterdam_kerncijfers.items() if row.pct_rental is None} == suppressed


def test_with_population_attaches_the_kerncijfers_total(
    amsterdam_buurten: list[Buurt],
    amsterdam_kerncijfers: dict[str, KerncijfersRow],
    raw_kerncijfers_rows: dict[str, dict[str, str]],
) -> None:
    populated = with_population(amsterdam_buurten, amsterdam_kerncijfers)
    assert [buurt.code for buurt in populated] == [buurt.code for buurt in amsterdam_buurten]
    for buurt in populated:
        assert buurt.population == int(raw_kerncijfers_rows[buurt.code]["Population_Total"])
    assert all(buurt.population is None for buurt in amsterdam_buurten)


def test_with_population_is_none_without_a_kerncijfers_row(amsterdam_buurten: list[Buurt]) -> None:
    first = amsterdam_buurten[0]
    row = KerncijfersRow(first.code, 1234, *([None] * 11))
    populated = with_population(amsterdam_buurten[:3], {first.code: row})
    assert [buurt.population for buurt in populated] == [1234, None, None]


# --- small hand-written files ---------------------------------------------------------------------

BUURTEN_HEADER = [
    "BUURTCODE_CBS_2022",
    "BUURTNAAM_2022",
    "WIJKCODE_2022",
    "WIJKNAAM_2022",
    "STADSDEELCODE",
    "STADSDEELNAAM",
    "latitude",
    "longitude",
    "geometrie",
]
SQUARE_WKT = (
    "SRID=28992;POLYGON ((121000 487000, 121000 487100, 121100 487100, 121100 487000, 121000 487000))"
)
GOOD_ROW = [
    "BU0363AD05",
    "Nieuwe Kerk e.o.",
    "AD",
    "Burgwallen-Nieuwe Zijde",
    "A",
    "Centrum",
    "52.37",
    "4.89",
]


def _write_buurten(tmp_path: Path, rows: list[list[str]]) -> Path:
    path = tmp_path / "buurten.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(BUURTEN_HEADER)
        writer.writerows(rows)
    return path


def _good_row(code: str = "BU0363AD05", geometry: str = SQUARE_WKT) -> list[str]:
    return [code, *GOOD_ROW[1:], geometry]


def test_reads_a_small_file(tmp_path: Path) -> None:
    path = _write_buurten(tmp_path, [_good_row(), [*_good_row("BU0363NA04")[:2], "", *_good_row()[3:]]])
    first, second = read_buurten_csv(path)
    assert (first.code, first.wijk_code, second.code, second.wijk_code) == (
        "BU0363AD05",
        "WK0363AD",
        "BU0363NA04",
        "WK0363NA",
    )
    # 100 m by 100 m in RD New is about 0.00147 by 0.0009 degrees at this latitude.
    minx, miny, maxx, maxy = first.geometry.bounds
    assert (maxx - minx) * METRES_PER_DEGREE_LON == pytest.approx(100.0, rel=0.01)
    assert (maxy - miny) * METRES_PER_DEGREE_LAT == pytest.approx(100.0, rel=0.01)


def test_a_self_intersecting_polygon_is_made_valid(tmp_path: Path) -> None:
    bowtie = (
        "SRID=28992;POLYGON ((121000 487000, 121100 487100, 121100 487000, 121000 487100, 121000 487000))"
    )
    (buurt,) = read_buurten_csv(_write_buurten(tmp_path, [_good_row(geometry=bowtie)]))
    assert buurt.geometry.is_valid
    assert isinstance(buurt.geometry, MultiPolygon)


def _with(column: str, value: str) -> list[str]:
    row = _good_row()
    row[BUURTEN_HEADER.index(column)] = value
    return row


@pytest.mark.parametrize(
    ("bad_row", "column", "problem"),
    [
        (_with("BUURTCODE_CBS_2022", "BU363AD05"), "BUURTCODE_CBS_2022", "not a CBS buurtcode"),
        (_with("BUURTCODE_CBS_2022", ""), "BUURTCODE_CBS_2022", "empty"),
        (_good_row(), "BUURTCODE_CBS_2022", "duplicate buurtcode BU0363AD05, first on line 2"),
        (_with("WIJKCODE_2022", "AE"), "WIJKCODE_2022", "does not match"),
        (_with("BUURTNAAM_2022", " "), "BUURTNAAM_2022", "empty"),
        (_with("latitude", "52,37.1"), "latitude", "decimal comma or dot"),
        (_with("latitude", "252.37"), "latitude", "out of range"),
        (_with("longitude", ""), "longitude", "empty"),
        (_with("geometrie", SQUARE_WKT.replace("28992", "4326")), "geometrie", "SRID=28992"),
        (_with("geometrie", "SRID=28992;POLYGON ((121000 487000, 121000"), "geometrie", "ParseException"),
        (_with("geometrie", "SRID=28992;POINT (121000 487000)"), "geometrie", "got a Point"),
        (
            _with("geometrie", "SRID=28992;POLYGON ((4.89 52.37, 4.9 52.37, 4.9 52.38, 4.89 52.37))"),
            "geometrie",
            "outside the area of use",
        ),
    ],
)
def test_a_malformed_row_names_file_line_and_column(
    tmp_path: Path, bad_row: list[str], column: str, problem: str
) -> None:
    path = _write_buurten(tmp_path, [_good_row(), bad_row])
    with pytest.raises(ReferenceDataError, match=problem) as caught:
        read_buurten_csv(path)
    assert (caught.value.path, caught.value.line, caught.value.column) == (path, 3, column)
    assert f"{path}, line 3, column {column!r}" in str(caught.value)


KERNCIJFERS_HEADER = (
    "District_Type;Municipality_Name;Area_Code;Population_Total;Pop_Age_0_15;Pop_Age_15_25;Pop_Age_25_45;"
    "Pop_Age_45_65;Pop_Age_65_Plus;Avg_Household_Size;Pct_Owner_Occupied;Pct_Rental;"
    "Avg_Income_Per_Inhabitant_1000EUR;Pct_Low_Income_Households;Pct_Below_120Pct_Social_Min"
)


def _write_kerncijfers(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "kerncijfers.csv"
    path.write_text("\n".join([KERNCIJFERS_HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def test_kerncijfers_parse_decimal_commas_dots_and_empty_cells(tmp_path: Path) -> None:
    path = _write_kerncijfers(
        tmp_path,
        "Amsterdam;Amsterdam;GM0363;931298;1;2;3;4;5;1,8;30.0;70.0;38,6;9,7;18,4",
        "Jordaan;Amsterdam;WK0363AB;19685;1;2;3;4;5;1,5;26.0;73.0;44,4;11;19,7",
        "Dam;Amsterdam;BU0363AD05;825;40;190;400;155;45;1,5;21.0;79.0;42,7;6,5;",
        "Leeg;Amsterdam;BU0363BA04;0;0;0;0;0;0;;;;;;",
        "Telling;Amsterdam;BU0363AA01;345.0;20;25;165;100;35;2;10.5;89,5;45.4;12;20,8",
    )
    rows = read_kerncijfers_csv(path)
    assert sorted(rows) == ["BU0363AA01", "BU0363AD05", "BU0363BA04"]
    dam, empty, counted = rows["BU0363AD05"], rows["BU0363BA04"], rows["BU0363AA01"]
    assert (dam.population_total, dam.pop_age_15_25, dam.avg_household_size, dam.pct_rental) == (
        825,
        190,
        1.5,
        79.0,
    )
    assert (dam.avg_income_per_inhabitant_1000eur, dam.pct_low_income_households) == (42.7, 6.5)
    assert dam.pct_below_120pct_social_min is None
    assert empty.population_total == 0
    assert (empty.avg_household_size, empty.pct_rental, empty.pct_low_income_households) == (None, None, None)
    assert (counted.population_total, counted.pct_owner_occupied, counted.pct_rental) == (345, 10.5, 89.5)
    assert (counted.avg_household_size, counted.avg_income_per_inhabitant_1000eur) == (2.0, 45.4)


@pytest.mark.parametrize(
    ("line", "column", "problem"),
    [
        ("X;Amsterdam;BU0363AD05;82,5;1;2;3;4;5;1,5;21.0;79.0;42,7;6,5;9,5", "Population_Total", "whole"),
        ("X;Amsterdam;BU0363AD05;825;1;2;3;4;5;1,5;21.0;79,0,0;42,7;6,5;9,5", "Pct_Rental", "decimal comma"),
        ("X;Amsterdam;XX0363AD05;825;1;2;3;4;5;1,5;21.0;79.0;42,7;6,5;9,5", "Area_Code", "not a CBS"),
        ("X;Amsterdam;BU0363AA01;825;1;2;3;4;5;1,5;21.0;79.0;42,7;6,5;9,5", "Area_Code", "duplicate"),
    ],
)
def test_a_malformed_kerncijfers_row_names_line_and_column(
    tmp_path: Path, line: str, column: str, problem: str
) -> None:
    good = "X;Amsterdam;BU0363AA01;345;20;25;165;100;35;1,3;10.0;90.0;45,4;11,9;20,8"
    path = _write_kerncijfers(tmp_path, good, line)
    with pytest.raises(ReferenceDataError, match=problem) as caught:
        read_kerncijfers_csv(path)
    assert (caught.value.line, caught.value.column) == (3, column)
    assert str(path) in str(caught.value)
