"""Readers for the CBS/Amsterdam reference files: buurt polygons and kerncijfers per buurt."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import shapely
from shapely.errors import ShapelyError

from services.geo.codes import is_buurtcode, wijk_code_of, wijk_suffix_of
from services.geo.csvrows import CsvRow, read_csv_rows
from services.geo.errors import GeometryError
from services.geo.geometry import Polygonal, valid_polygonal
from services.geo.model import Buurt
from services.geo.projection import GeometryTransform, rd_new_to_wgs84

_RD_NEW_EWKT_PREFIX = "SRID=28992;"

_BUURTEN_COLUMNS = (
    "BUURTCODE_CBS_2022",
    "BUURTNAAM_2022",
    "WIJKCODE_2022",
    "WIJKNAAM_2022",
    "STADSDEELCODE",
    "STADSDEELNAAM",
    "latitude",
    "longitude",
    "geometrie",
)

_KERNCIJFERS_COUNTS = {
    "population_total": "Population_Total",
    "pop_age_0_15": "Pop_Age_0_15",
    "pop_age_15_25": "Pop_Age_15_25",
    "pop_age_25_45": "Pop_Age_25_45",
    "pop_age_45_65": "Pop_Age_45_65",
    "pop_age_65_plus": "Pop_Age_65_Plus",
}
_KERNCIJFERS_DECIMALS = {
    "avg_household_size": "Avg_Household_Size",
    "pct_owner_occupied": "Pct_Owner_Occupied",
    "pct_rental": "Pct_Rental",
    "avg_income_per_inhabitant_1000eur": "Avg_Income_Per_Inhabitant_1000EUR",
    "pct_low_income_households": "Pct_Low_Income_Households",
    "pct_below_120pct_social_min": "Pct_Below_120Pct_Social_Min",
}


@dataclass(frozen=True)
class KerncijfersRow:
    """CBS kerncijfers of one buurt; None where CBS suppresses the figure."""

    code: str
    population_total: int | None
    pop_age_0_15: int | None
    pop_age_15_25: int | None
    pop_age_25_45: int | None
    pop_age_45_65: int | None
    pop_age_65_plus: int | None
    avg_household_size: float | None
    pct_owner_occupied: float | None
    pct_rental: float | None
    avg_income_per_inhabitant_1000eur: float | None
    pct_low_income_households: float | None
    pct_below_120pct_social_min: float | None


def read_buurten_csv(path: Path) -> list[Buurt]:
    """Read the buurten file (comma-separated, RD New WKT polygons) into WGS84 buurten, in file order.

    ``population`` is None; see ``with_population``. An empty WIJKCODE_2022 is taken from the buurtcode.
    Raises ReferenceDataError naming the file, line and column of the first bad row.
    """
    to_wgs84 = rd_new_to_wgs84()
    first_lines: dict[str, int] = {}
    buurten = []
    for row in read_csv_rows(path, delimiter=",", columns=_BUURTEN_COLUMNS):
        buurt = _buurt_from_row(row, to_wgs84)
        if buurt.code in first_lines:
            problem = f"duplicate buurtcode {buurt.code}, first on line {first_lines[buurt.code]}"
            raise row.error("BUURTCODE_CBS_2022", problem)
        first_lines[buurt.code] = row.line
        buurten.append(buurt)
    return buurten


def _buurt_from_row(row: CsvRow, to_wgs84: GeometryTransform) -> Buurt:
    code = row.text("BUURTCODE_CBS_2022")
    if not is_buurtcode(code):
        raise row.error("BUURTCODE_CBS_2022", f"not a CBS buurtcode: {code!r}")
    wijk_suffix = row.text("WIJKCODE_2022", required=False)
    if wijk_suffix and wijk_suffix != wijk_suffix_of(code):
        raise row.error("WIJKCODE_2022", f"wijk {wijk_suffix!r} does not match buurtcode {code}")
    return Buurt(
        code=code,
        name=row.text("BUURTNAAM_2022"),
        wijk_code=wijk_code_of(code),
        wijk_name=row.text("WIJKNAAM_2022"),
        stadsdeel_code=row.text("STADSDEELCODE"),
        stadsdeel_name=row.text("STADSDEELNAAM"),
        centroid_lat=_coordinate(row, "latitude", 90.0),
        centroid_lon=_coordinate(row, "longitude", 180.0),
        population=None,
        geometry=_geometry(row, to_wgs84),
    )


def _coordinate(row: CsvRow, column: str, limit: float) -> float:
    value = row.required_decimal(column)
    if not -limit <= value <= limit:
        raise row.error(column, f"{value} is out of range for a WGS84 {column}")
    return value


def _geometry(row: CsvRow, to_wgs84: GeometryTransform) -> Polygonal:
    ewkt = row.text("geometrie")
    if not ewkt.startswith(_RD_NEW_EWKT_PREFIX):
        raise row.error("geometrie", f"expected WKT in RD New starting with {_RD_NEW_EWKT_PREFIX!r}")
    try:
        rd_new = shapely.from_wkt(ewkt.removeprefix(_RD_NEW_EWKT_PREFIX))
        return valid_polygonal(to_wgs84(rd_new))
    except (ShapelyError, GeometryError) as exc:
        raise row.error("geometrie", str(exc)) from None


def read_kerncijfers_csv(path: Path) -> dict[str, KerncijfersRow]:
    """Read the CBS kerncijfers file (semicolon-separated) into its buurt rows, keyed by buurtcode.

    Gemeente (GM) and wijk (WK) rows are skipped. Numbers may use a decimal comma or dot; empty cells
    are None. Raises ReferenceDataError naming the file, line and column of the first bad row.
    """
    columns = ("Area_Code", *_KERNCIJFERS_COUNTS.values(), *_KERNCIJFERS_DECIMALS.values())
    rows: dict[str, KerncijfersRow] = {}
    for row in read_csv_rows(path, delimiter=";", columns=columns):
        code = row.text("Area_Code")
        if code.startswith(("GM", "WK")):
            continue
        if not is_buurtcode(code):
            raise row.error("Area_Code", f"not a CBS gemeente, wijk or buurt code: {code!r}")
        if code in rows:
            raise row.error("Area_Code", f"duplicate buurtcode {code}")
        rows[code] = _kerncijfers_from_row(code, row)
    return rows


def _kerncijfers_from_row(code: str, row: CsvRow) -> KerncijfersRow:
    counts = {field: row.count(column) for field, column in _KERNCIJFERS_COUNTS.items()}
    decimals = {field: row.decimal(column) for field, column in _KERNCIJFERS_DECIMALS.items()}
    return KerncijfersRow(
        code=code,
        population_total=counts["population_total"],
        pop_age_0_15=counts["pop_age_0_15"],
        pop_age_15_25=counts["pop_age_15_25"],
        pop_age_25_45=counts["pop_age_25_45"],
        pop_age_45_65=counts["pop_age_45_65"],
        pop_age_65_plus=counts["pop_age_65_plus"],
        avg_household_size=decimals["avg_household_size"],
        pct_owner_occupied=decimals["pct_owner_occupied"],
        pct_rental=decimals["pct_rental"],
        avg_income_per_inhabitant_1000eur=decimals["avg_income_per_inhabitant_1000eur"],
        pct_low_income_households=decimals["pct_low_income_households"],
        pct_below_120pct_social_min=decimals["pct_below_120pct_social_min"],
    )


def with_population(buurten: Iterable[Buurt], kerncijfers: Mapping[str, KerncijfersRow]) -> list[Buurt]:
    """Copies of ``buurten`` whose population is the kerncijfers total (None if CBS has no figure)."""
    result = []
    for buurt in buurten:
        row = kerncijfers.get(buurt.code)
        result.append(replace(buurt, population=row.population_total if row is not None else None))
    return result
