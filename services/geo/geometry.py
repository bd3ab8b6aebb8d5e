"""Polygonal geometry: repair into a valid (Multi)Polygon and encode as GeoJSON."""

from __future__ import annotations

from typing import Any, TypeAlias

import shapely
from shapely.geometry import GeometryCollection, MultiPolygon, Polygon, mapping
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

from services.geo.errors import GeometryError

Polygonal: TypeAlias = Polygon | MultiPolygon

# Six decimals of a degree are at most 0.11 m on the ground.
GEOJSON_DECIMALS = 6


def valid_polygonal(geometry: BaseGeometry) -> Polygonal:
    """Return ``geometry`` as a valid, non-empty Polygon or MultiPolygon, repairing it if needed."""
    if not isinstance(geometry, Polygon | MultiPolygon):
        raise GeometryError(f"expected a Polygon or MultiPolygon, got a {geometry.geom_type}")
    if geometry.is_empty:
        raise GeometryError("the geometry is empty")
    if geometry.is_valid:
        return geometry
    # Repair each part on its own and union the results, so parts that overlap each other add up
    # instead of cancelling out (make_valid on the whole MultiPolygon treats the overlap as a hole).
    parts = geometry.geoms if isinstance(geometry, MultiPolygon) else [geometry]
    polygons = [polygon for part in parts for polygon in _polygons_in(shapely.make_valid(part))]
    if not polygons:
        raise GeometryError("the geometry has no area left after repair")
    repaired: Polygonal = polygons[0] if len(polygons) == 1 else shapely.union_all(polygons)
    return repaired


def _polygons_in(geometry: BaseGeometry) -> list[Polygon]:
    if isinstance(geometry, Polygon):
        return [] if geometry.is_empty else [geometry]
    if isinstance(geometry, MultiPolygon | GeometryCollection):
        return [polygon for part in geometry.geoms for polygon in _polygons_in(part)]
    return []


def to_geojson_geometry(geometry: Polygonal, decimals: int = GEOJSON_DECIMALS) -> dict[str, Any]:
    """GeoJSON geometry with RFC 7946 ring orientation and coordinates rounded to ``decimals``."""
    if isinstance(geometry, Polygon):
        oriented: Polygonal = orient(geometry, sign=1.0)
    else:
        oriented = MultiPolygon([orient(polygon, sign=1.0) for polygon in geometry.geoms])
    encoded = mapping(oriented)
    return {"type": encoded["type"], "coordinates": _rounded(encoded["coordinates"], decimals)}


def _rounded(coordinates: Any, decimals: int) -> Any:
    if isinstance(coordinates, float | int):
        return round(float(coordinates), decimals)
    return [_rounded(item, decimals) for item in coordinates]
