"""The buurt registry: lookup by code and point-in-polygon lookup by WGS84 coordinates."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import shapely
from shapely.geometry import Point

from services.geo.errors import EmptyRegistryError
from services.geo.model import Buurt, sorted_by_code


class BuurtRegistry:
    """An immutable set of buurten with unique codes, indexed for fast point-in-polygon lookup."""

    def __init__(self, buurten: Iterable[Buurt]) -> None:
        ordered = sorted_by_code(buurten)
        self._buurten: tuple[Buurt, ...] = tuple(ordered)
        self._by_code = {buurt.code: buurt for buurt in ordered}
        geometries = [buurt.geometry for buurt in ordered]
        # Preparing (in place, which is harmless) makes the covered_by test fast. Tree index i is
        # self._buurten[i], so the smallest matching index is the lowest code.
        shapely.prepare(geometries)
        self._tree = shapely.STRtree(geometries)
        self._bounds: tuple[float, float, float, float] | None = None
        if geometries:
            minx, miny, maxx, maxy = (float(value) for value in shapely.total_bounds(geometries))
            self._bounds = (minx, miny, maxx, maxy)

    def get(self, code: str) -> Buurt | None:
        """The buurt with ``code``, or None."""
        return self._by_code.get(code)

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def __len__(self) -> int:
        return len(self._buurten)

    def __iter__(self) -> Iterator[Buurt]:
        """The buurten in ascending code order."""
        return iter(self._buurten)

    def locate(self, lat: float, lon: float) -> Buurt | None:
        """The buurt whose polygon covers the WGS84 point, or None.

        A point on a border shared by several buurten resolves to the lowest code among them.
        """
        matches = self._tree.query(Point(lon, lat), predicate="covered_by")
        if len(matches) == 0:
            return None
        return self._buurten[int(matches.min())]

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(min lon, min lat, max lon, max lat) over all buurten; raises EmptyRegistryError if empty."""
        if self._bounds is None:
            raise EmptyRegistryError("an empty buurt registry has no bounds")
        return self._bounds
