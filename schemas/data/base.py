"""The shared base of every event payload, and the WGS84 point an event may carry instead of a buurt."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field


class GeoPoint(BaseModel):
    """A WGS84 point; the hub resolves the CBS buurt from it when an event has no ``buurt``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    lat: Annotated[float, Field(ge=-90, le=90, strict=True, allow_inf_nan=False)]
    lon: Annotated[float, Field(ge=-180, le=180, strict=True, allow_inf_nan=False)]


class EventData(BaseModel):
    """Base of every event payload: unknown fields are refused and the payload is immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    location: GeoPoint | None = None
