"""The buurten shipped inside the package, stored as a GeoJSON FeatureCollection."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from importlib.resources import files
from typing import Any

from services.geo.errors import FeatureError
from services.geo.model import Buurt, sorted_by_code

SHIPPED_FILE_NAME = "amsterdam-buurten.json"
ATTRIBUTION = "Bron: CBS, Gemeente Amsterdam (CC BY 4.0)"


def build_feature_collection(buurten: Iterable[Buurt]) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of ``buurten`` in ascending code order, with the data attribution."""
    ordered = sorted_by_code(buurten)
    return {
        "type": "FeatureCollection",
        "attribution": ATTRIBUTION,
        "features": [buurt.to_feature() for buurt in ordered],
    }


def dump_feature_collection(collection: Mapping[str, Any]) -> str:
    """Compact, deterministic JSON text for a feature collection, ending in a newline."""
    return json.dumps(collection, ensure_ascii=False, separators=(",", ":"), allow_nan=False) + "\n"


def feature_collection_to_buurten(collection: Mapping[str, Any]) -> list[Buurt]:
    """The buurten of a GeoJSON FeatureCollection, in its order; raises FeatureError if malformed."""
    if not isinstance(collection, Mapping) or collection.get("type") != "FeatureCollection":
        raise FeatureError("expected a GeoJSON object of type 'FeatureCollection'")
    features = collection.get("features")
    if not isinstance(features, list):
        raise FeatureError("the feature collection has no list of features")
    return [Buurt.from_feature(feature) for feature in features]


def load_shipped_buurten() -> list[Buurt]:
    """Read the buurten shipped in ``services/geo/data``; the caller should cache the result."""
    resource = files("services.geo") / "data" / SHIPPED_FILE_NAME
    try:
        collection = json.loads(resource.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise FeatureError(f"cannot read shipped buurten {SHIPPED_FILE_NAME}: {exc}") from None
    return feature_collection_to_buurten(collection)
