"""Coordinate transformation between RD New (EPSG:28992) and WGS84 (EPSG:4326)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import CRS, Transformer
from shapely.geometry.base import BaseGeometry

from services.geo.errors import GeometryError

RD_NEW = "EPSG:28992"
WGS84 = "EPSG:4326"

GeometryTransform = Callable[[BaseGeometry], BaseGeometry]


def rd_new_to_wgs84() -> GeometryTransform:
    """A function that maps RD New geometries to WGS84 (x = lon, y = lat) and checks the result.

    It raises GeometryError when the result falls outside the area where RD New is defined,
    which is what happens to coordinates that were never RD New to begin with.
    """
    transform = geometry_transform(RD_NEW, WGS84)
    area = CRS.from_user_input(RD_NEW).area_of_use
    if area is None:  # pragma: no cover - the EPSG database always knows this area
        raise GeometryError(f"the EPSG database has no area of use for {RD_NEW}")

    def apply(geometry: BaseGeometry) -> BaseGeometry:
        result = transform(geometry)
        west, south, east, north = result.bounds
        inside = area.west <= west and east <= area.east and area.south <= south and north <= area.north
        if not inside:
            raise GeometryError(f"the geometry lies outside the area of use of {RD_NEW} ({area.name})")
        return result

    return apply


def wgs84_to_rd_new() -> GeometryTransform:
    """A function that maps WGS84 geometries (x = lon, y = lat) to RD New metres."""
    return geometry_transform(WGS84, RD_NEW)


def geometry_transform(source: str, target: str) -> GeometryTransform:
    """A function that maps geometries from CRS ``source`` to ``target``, both in x/y axis order."""
    transformer = Transformer.from_crs(source, target, always_xy=True)

    def coordinates(xy: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        x, y = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack((x, y))

    def apply(geometry: BaseGeometry) -> BaseGeometry:
        result: BaseGeometry = shapely.transform(geometry, coordinates)
        return result

    return apply
