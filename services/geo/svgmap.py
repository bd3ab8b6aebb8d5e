"""The buurten as SVG paths: projected to RD New, simplified, fitted into a viewBox of whole units."""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from services.geo.errors import EmptyRegistryError
from services.geo.model import Buurt
from services.geo.projection import wgs84_to_rd_new
from services.geo.registry import BuurtRegistry

#: The map's width in viewBox units; its height follows the municipality's shape.
MAP_WIDTH = 1000
#: Simplification tolerance in viewBox units: half a unit (about 12 m for Amsterdam) is invisible on
#: a screen and removes most vertices. Shapes are simplified one by one (preserving their topology);
#: the gaps this may open between neighbours are narrower than the white borders drawn on top.
TOLERANCE_UNITS = 0.5
#: Room around the shapes for their borders and focus outline.
MARGIN_UNITS = 4


@dataclass(frozen=True)
class BuurtShape:
    """One buurt's outline as SVG path data (absolute start, then relative whole-unit steps)."""

    code: str
    path: str


@dataclass(frozen=True)
class BuurtMap:
    """The shapes of a set of buurten in one coordinate frame (y down, as SVG has it)."""

    width: int
    height: int
    shapes: tuple[BuurtShape, ...]

    @property
    def view_box(self) -> str:
        """The value of the svg element's viewBox attribute."""
        return f"0 0 {self.width} {self.height}"


def build_buurt_map(
    buurten: Iterable[Buurt], width: int = MAP_WIDTH, tolerance_units: float = TOLERANCE_UNITS
) -> BuurtMap:
    """The SVG shapes of `buurten` (in their order), fitted into a viewBox `width` units wide."""
    ordered = list(buurten)
    if not ordered:
        raise EmptyRegistryError("an empty set of buurten has no map")
    project = wgs84_to_rd_new()
    projected = [project(buurt.geometry) for buurt in ordered]
    min_x, min_y, max_x, max_y = (float(value) for value in shapely.total_bounds(projected))
    inner = width - 2 * MARGIN_UNITS
    scale = inner / max(max_x - min_x, 1.0)
    height = math.ceil((max_y - min_y) * scale) + 2 * MARGIN_UNITS
    # x grows eastwards in RD New and on screen; y grows northwards in RD New but downwards on screen.
    origin = (min_x - MARGIN_UNITS / scale, max_y + MARGIN_UNITS / scale)
    shapes = tuple(
        BuurtShape(
            code=buurt.code,
            path=_path(
                shapely.simplify(geometry, tolerance_units / scale, preserve_topology=True), origin, scale
            ),
        )
        for buurt, geometry in zip(ordered, projected, strict=True)
    )
    return BuurtMap(width=width, height=height, shapes=shapes)


class BuurtMapCache:
    """The map of one registry, computed once for it (a registry is immutable)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._registry: BuurtRegistry | None = None
        self._map: BuurtMap | None = None

    def for_registry(self, registry: BuurtRegistry) -> BuurtMap:
        """The map of `registry`; computed on the first call for this registry object."""
        with self._lock:
            if self._map is None or self._registry is not registry:
                self._map = build_buurt_map(registry)
                self._registry = registry
            return self._map


def _path(geometry: BaseGeometry, origin: tuple[float, float], scale: float) -> str:
    polygons = geometry.geoms if isinstance(geometry, MultiPolygon) else [geometry]
    rings = [
        ring
        for polygon in polygons
        if isinstance(polygon, Polygon) and not polygon.is_empty
        for ring in (polygon.exterior, *polygon.interiors)
    ]
    subpaths = [_subpath(np.asarray(ring.coords, dtype=np.float64), origin, scale) for ring in rings]
    found = "".join(subpaths)
    if found:
        return found
    # A buurt smaller than a unit: a one-unit square at its place keeps it on the map and clickable.
    x, y = _units(np.asarray([geometry.representative_point().coords[0]]), origin, scale)[0]
    return f"M{x} {y}h1v1h-1z"


def _subpath(coordinates: npt.NDArray[np.float64], origin: tuple[float, float], scale: float) -> str:
    points = _units(coordinates[:-1], origin, scale)
    keep = np.ones(len(points), dtype=bool)
    keep[1:] = np.any(points[1:] != points[:-1], axis=1)
    points = points[keep]
    while len(points) > 1 and (points[0] == points[-1]).all():
        points = points[:-1]
    if len(points) < 3:
        return ""
    steps = np.diff(points, axis=0)
    start = f"M{points[0][0]} {points[0][1]}"
    relative = " ".join(f"{dx} {dy}" for dx, dy in steps.tolist()).replace(" -", "-")
    return f"{start}l{relative}z"


def _units(
    coordinates: npt.NDArray[np.float64], origin: tuple[float, float], scale: float
) -> npt.NDArray[np.int64]:
    x = (coordinates[:, 0] - origin[0]) * scale
    y = (origin[1] - coordinates[:, 1]) * scale
    return np.column_stack((x, y)).round().astype(np.int64)
