"""Mapping one Signalen signal (STANDARDS.md "Signalen") to catalogue events, or to a reject.

A signal becomes `municipality.report.created` when it is new since the reader's watermark, and
`municipality.report.status_changed` when its current status was set after its creation and after the
watermark. Event ids derive from the signal and the status timestamp only, so a re-read yields the same
ids. The subject is the `loc:` pseudonym of the normalised address, or of the point (about 25 m) when the
signal has no address; the CBS buurt is left to the hub, from `data.location` (Signalen's `buurt_code` is
Amsterdam-internal, not CBS). The address never leaves this module: not in events, not in rejects.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from connectors.model import Emit, Outcome, Reject
from connectors.pseudonym import Pseudonymiser
from schemas.timestamps import format_rfc3339

CREATED = "nl.wijkbrug.municipality.report.created"
STATUS_CHANGED = "nl.wijkbrug.municipality.report.status_changed"
_SAFE_KEYS = ("id", "id_display", "signal_id", "created_at", "updated_at")


class MalformedSignalError(ValueError):
    """A signal that lacks what the mapping needs; the message names the field, never a value."""

    def __init__(self, field: str, message: str, reason: str = "malformed_signal") -> None:
        super().__init__(message)
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class Watermark:
    """Where the reader stands: everything about a signal up to `after` was emitted, and the signals in
    `seen` were read with `updated_at == after` (Signalen's `updated_after` filter is inclusive)."""

    after: datetime | None = None
    seen: Collection[str] = ()

    def is_new(self, moment: datetime, key: str) -> bool:
        """Whether something that happened at `moment` to signal `key` was not emitted yet."""
        if self.after is None or moment > self.after:
            return True
        return moment == self.after and key not in self.seen


@dataclass(frozen=True)
class Header:
    """What the reader needs of a signal before mapping it: its key and its update time."""

    key: str
    updated_at: datetime


def header(signal: Any) -> Header:
    """The key (`id`) and `updated_at` of a signal; MalformedSignalError if it has none."""
    if not isinstance(signal, Mapping):
        raise MalformedSignalError("", "a signal must be a JSON object")
    return Header(key=signal_key(signal), updated_at=timestamp(signal, "updated_at"))


def signal_key(signal: Mapping[str, Any]) -> str:
    identifier = signal.get("id")
    if isinstance(identifier, bool) or not isinstance(identifier, int | str) or str(identifier) == "":
        raise MalformedSignalError("id", "the signal has no id")
    return str(identifier)


def map_signal(
    signal: Mapping[str, Any], watermark: Watermark, pseudonymiser: Pseudonymiser, source: str
) -> list[Outcome]:
    """The events of one signal that are new since `watermark`, or one reject."""
    key = signal_key(signal)
    position = f"signal {key}"
    try:
        return _events(signal, key, watermark, pseudonymiser, source, position)
    except MalformedSignalError as exc:
        return [reject(signal, exc, position)]


def reject(signal: Any, error: MalformedSignalError, position: str) -> Reject:
    """A reject that carries only the signal's identifiers and times (never its address or text)."""
    return Reject(error.reason, str(error), safe_record(signal), position, field=error.field)


def safe_record(signal: Any) -> dict[str, Any]:
    """What of a signal may go to the dead-letter topic: its ids and timestamps."""
    if not isinstance(signal, Mapping):
        return {"type": type(signal).__name__}
    return {key: signal[key] for key in _SAFE_KEYS if isinstance(signal.get(key), str | int)}


def _events(
    signal: Mapping[str, Any],
    key: str,
    watermark: Watermark,
    pseudonymiser: Pseudonymiser,
    source: str,
    position: str,
) -> list[Outcome]:
    created_at = timestamp(signal, "created_at")
    status = _mapping(signal, "status")
    state = _text(status, "state", "status.state")
    status_at = timestamp(status, "created_at", "status.created_at")
    location = _mapping(signal, "location")
    lat, lon = point(location)
    subject = address_pseudonym(location.get("address"), pseudonymiser) or pseudonymiser.point(lat, lon)
    external_id = _external_id(signal, key)
    event_key = _event_key(signal, key)
    where = {"location": {"lat": lat, "lon": lon}}
    outcomes: list[Outcome] = []
    if watermark.is_new(created_at, key):
        data = {"category": category(signal), "external_id": external_id, "state": state, **where}
        event = _event(f"signalen-{event_key}-created", CREATED, created_at, subject, source, data)
        outcomes.append(Emit(event, position))
    if status_at > created_at and watermark.is_new(status_at, key):
        data = {"external_id": external_id, "state": state, **where}
        event_id = f"signalen-{event_key}-status-{_compact(status_at)}"
        outcomes.append(Emit(_event(event_id, STATUS_CHANGED, status_at, subject, source, data), position))
    return outcomes


def _event(
    event_id: str, event_type: str, time: datetime, subject: str, source: str, data: dict[str, Any]
) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": event_id,
        "source": source,
        "type": event_type,
        "time": format_rfc3339(time),
        "subject": subject,
        "datacontenttype": "application/json",
        "data": data,
    }


def timestamp(record: Mapping[str, Any], name: str, field: str = "") -> datetime:
    """An aware datetime from the ISO 8601 text at `record[name]`."""
    field = field or name
    value = record.get(name)
    if not isinstance(value, str):
        raise MalformedSignalError(field, f"{field} is missing")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise MalformedSignalError(field, f"{field} is not an ISO 8601 timestamp") from exc
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise MalformedSignalError(field, f"{field} has no UTC offset")
    return moment


def point(location: Mapping[str, Any]) -> tuple[float, float]:
    """(lat, lon) from `location.geometrie` (GeoJSON Point, [lon, lat]); MalformedSignalError otherwise."""
    geometry = location.get("geometrie")
    coordinates = geometry.get("coordinates") if isinstance(geometry, Mapping) else None
    if (
        not isinstance(geometry, Mapping)
        or geometry.get("type") != "Point"
        or not isinstance(coordinates, list | tuple)
        or len(coordinates) < 2
        or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in coordinates[:2])
    ):
        raise MalformedSignalError(
            "location.geometrie", "the signal has no usable point in location.geometrie", reason="no_location"
        )
    lon, lat = float(coordinates[0]), float(coordinates[1])
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise MalformedSignalError(
            "location.geometrie", "location.geometrie is outside WGS84 bounds", reason="no_location"
        )
    return lat, lon


def address_pseudonym(address: Any, pseudonymiser: Pseudonymiser) -> str | None:
    """The `loc:` pseudonym of a Dutch address, or None when it does not name one dwelling.

    With a postcode the key is `<postcode> <huisnummer><huisletter>[-<toevoeging>]` (the convention of
    `connectors.pseudonym`, so other connectors that see the same address get the same pseudonym); without
    one it is the street, the number and the place.
    """
    if not isinstance(address, Mapping):
        return None
    number = _part(address, "huisnummer")
    if not number:
        return None
    dwelling = number + _part(address, "huisletter")
    addition = _part(address, "huisnummer_toevoeging")
    if addition:
        dwelling += f"-{addition}"
    postcode = _part(address, "postcode").replace(" ", "").upper()
    if postcode:
        return pseudonymiser.pseudonym("loc", f"{postcode} {dwelling}")
    street = _part(address, "openbare_ruimte")
    if not street:
        return None
    return pseudonymiser.pseudonym("loc", f"{street} {dwelling} {_part(address, 'woonplaats')}")


def category(signal: Mapping[str, Any]) -> str:
    """The category slug: the sub category's, else the main category's."""
    value = signal.get("category")
    if isinstance(value, Mapping):
        for name in ("sub_slug", "main_slug"):
            slug = value.get(name)
            if isinstance(slug, str) and slug.strip():
                return slug.strip()
    raise MalformedSignalError("category", "the signal has no category.sub_slug or category.main_slug")


def _external_id(signal: Mapping[str, Any], key: str) -> str:
    display = signal.get("id_display")
    return display.strip() if isinstance(display, str) and display.strip() else f"SIG-{key}"


def _event_key(signal: Mapping[str, Any], key: str) -> str:
    uuid = signal.get("signal_id")
    return uuid.strip() if isinstance(uuid, str) and uuid.strip() else key


def _compact(moment: datetime) -> str:
    """`20240301T101500123456Z`: a timestamp in UTC, usable inside an event id."""
    return format_rfc3339(moment).replace("-", "").replace(":", "").replace(".", "")


def _mapping(record: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = record.get(name)
    if not isinstance(value, Mapping):
        reason = "no_location" if name == "location" else "malformed_signal"
        raise MalformedSignalError(name, f"{name} is missing", reason=reason)
    return value


def _text(record: Mapping[str, Any], name: str, field: str) -> str:
    value = record.get(name)
    if not isinstance(value, str) or not value.strip():
        raise MalformedSignalError(field, f"{field} is missing")
    return value.strip()


def _part(address: Mapping[str, Any], name: str) -> str:
    value = address.get(name)
    if isinstance(value, bool) or value is None:
        return ""
    return str(value).strip() if isinstance(value, str | int) else ""
