"""The buurt: a CBS neighbourhood with its names, population and WGS84 polygon."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from shapely.errors import ShapelyError
from shapely.geometry import shape

from services.geo.codes import is_buurtcode
from services.geo.errors import DuplicateBuurtError, FeatureError, GeometryError
from services.geo.geometry import GEOJSON_DECIMALS, Polygonal, to_geojson_geometry, valid_polygonal

_TEXT_PROPERTIES = ("code", "name", "wijk_code", "wijk_name", "stadsdeel_code", "stadsdeel_name")


@dataclass(frozen=True)
class Buurt:
    """A CBS buurt; ``geometry`` is in WGS84 with x = longitude and y = latitude."""

    code: str
    name: str
    wijk_code: str
    wijk_name: str
    stadsdeel_code: str
    stadsdeel_name: str
    centroid_lat: float
    centroid_lon: float
    population: int | None
    geometry: Polygonal = field(repr=False)

    def to_feature(self) -> dict[str, Any]:
        """This buurt as a GeoJSON Feature; coordinates and centroid are rounded to 6 decimals."""
        properties: dict[str, Any] = {name: getattr(self, name) for name in _TEXT_PROPERTIES}
        properties["centroid_lat"] = round(self.centroid_lat, GEOJSON_DECIMALS)
        properties["centroid_lon"] = round(self.centroid_lon, GEOJSON_DECIMALS)
        properties["population"] = self.population
        return {
            "type": "Feature",
            "id": self.code,
            "properties": properties,
            "geometry": to_geojson_geometry(self.geometry),
        }

    @classmethod
    def from_feature(cls, feature: Mapping[str, Any]) -> Buurt:
        """The buurt a GeoJSON Feature written by ``to_feature`` describes; raises FeatureError."""
        if not isinstance(feature, Mapping) or feature.get("type") != "Feature":
            raise FeatureError("expected a GeoJSON object of type 'Feature'")
        properties = feature.get("properties")
        if not isinstance(properties, Mapping):
            raise FeatureError("the feature has no properties object")
        texts = {name: _text_property(properties, name) for name in _TEXT_PROPERTIES}
        code = texts["code"]
        if not is_buurtcode(code):
            raise FeatureError(f"feature property 'code' is not a CBS buurtcode: {code!r}")
        return cls(
            code=code,
            name=texts["name"],
            wijk_code=texts["wijk_code"],
            wijk_name=texts["wijk_name"],
            stadsdeel_code=texts["stadsdeel_code"],
            stadsdeel_name=texts["stadsdeel_name"],
            centroid_lat=_number_property(properties, "centroid_lat", code),
            centroid_lon=_number_property(properties, "centroid_lon", code),
            population=_population_property(properties, code),
            geometry=_feature_geometry(feature, code),
        )


def sorted_by_code(buurten: Iterable[Buurt]) -> list[Buurt]:
    """``buurten`` in ascending code order; raises DuplicateBuurtError if two share a code."""
    ordered = sorted(buurten, key=lambda buurt: buurt.code)
    for before, after in itertools.pairwise(ordered):
        if before.code == after.code:
            raise DuplicateBuurtError(f"buurtcode {after.code} occurs more than once")
    return ordered


def _text_property(properties: Mapping[str, Any], name: str) -> str:
    value = properties.get(name)
    if not isinstance(value, str):
        raise FeatureError(f"feature property {name!r} must be a string, got {value!r}")
    return value


def _number_property(properties: Mapping[str, Any], name: str, code: str) -> float:
    value = properties.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FeatureError(f"feature {code}: property {name!r} must be a number, got {value!r}")
    return float(value)


def _population_property(properties: Mapping[str, Any], code: str) -> int | None:
    value = properties.get("population")
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise FeatureError(f"feature {code}: property 'population' must be null or a count, got {value!r}")
    return value


def _feature_geometry(feature: Mapping[str, Any], code: str) -> Polygonal:
    try:
        return valid_polygonal(shape(feature.get("geometry")))
    except (GeometryError, ShapelyError, AttributeError, KeyError, TypeError, ValueError) as exc:
        raise FeatureError(f"feature {code}: unusable geometry: {exc}") from None
