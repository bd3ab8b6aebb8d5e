from __future__ import annotations

import pytest
import shapely
from shapely.geometry import Point

from services.geo.errors import GeometryError
from services.geo.projection import rd_new_to_wgs84, wgs84_to_rd_new

# The origin of RD is the Onze Lieve Vrouwetoren in Amersfoort: x=155000, y=463000 in RD New and
# 52.15517440 N, 5.38720621 E in ETRS89/WGS84 (published definition of the RD system).
AMERSFOORT_RD = (155_000.0, 463_000.0)
AMERSFOORT_LAT_LON = (52.15517440, 5.38720621)


def test_rd_origin_lands_on_the_amersfoort_tower() -> None:
    result = rd_new_to_wgs84()(Point(*AMERSFOORT_RD))
    lat, lon = AMERSFOORT_LAT_LON
    # x is longitude and y is latitude; a 7-parameter datum shift is good to about a metre (1e-5 deg).
    assert result.x == pytest.approx(lon, abs=2e-5)
    assert result.y == pytest.approx(lat, abs=2e-5)


def test_round_trip_keeps_polygons_within_a_millimetre() -> None:
    square = shapely.box(121_000.0, 487_000.0, 121_100.0, 487_100.0)
    back = wgs84_to_rd_new()(rd_new_to_wgs84()(square))
    assert shapely.hausdorff_distance(square, back) < 0.001


@pytest.mark.parametrize(
    "coordinates",
    [
        (4.8926, 52.3731),  # WGS84 lon/lat passed off as RD New
        (121_000.0, 4_870_000.0),  # a digit too many
        (float("nan"), 487_000.0),
    ],
)
def test_coordinates_outside_rd_new_are_rejected(coordinates: tuple[float, float]) -> None:
    with pytest.raises(GeometryError, match="area of use"):
        rd_new_to_wgs84()(Point(*coordinates))
