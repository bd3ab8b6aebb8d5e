"""From a notification to a catalogue event: find the mapping entry, resolve subject, buurt and data.

Nothing identifying leaves: the subject is a keyed pseudonym of hoofdObject (or of a kenmerk), data
fields take only what the entry names, and `bronorganisatie` (an RSIN, which passes the 11-proef like a
BSN and would make the hub refuse the event) is never copied unless an entry asks for it by name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from connectors.kinds.zgw_config import DataValue, FromKenmerk, IdOf, MappingEntry
from connectors.kinds.zgw_message import Notification
from connectors.pseudonym import Pseudonymiser
from schemas.identifiers import is_buurtcode
from schemas.timestamps import format_rfc3339

ZAAKTYPE = "zaaktype"
EVENT_ID_PREFIX = "zgw-"


@dataclass(frozen=True)
class Unresolved:
    """A mapped notification that still cannot become an event (a kenmerk it needs is missing...)."""

    reason: str
    field: str
    message: str


def find_entry(entries: Sequence[MappingEntry], notification: Notification) -> MappingEntry | None:
    """The first entry that maps `notification`."""
    for entry in entries:
        if _matches(entry, notification):
            return entry
    return None


def _matches(entry: MappingEntry, notification: Notification) -> bool:
    kenmerken = notification.kenmerken
    return (
        entry.kanaal == notification.kanaal
        and entry.resource == notification.resource
        and entry.actie == notification.actie
        and (entry.zaaktype is None or kenmerken.get(ZAAKTYPE) == entry.zaaktype)
        and all(kenmerken.get(name) == value for name, value in entry.when.items())
    )


def event_id(notification: Notification) -> str:
    """The deterministic event id of a notification (the same for every delivery of it)."""
    return EVENT_ID_PREFIX + notification.key


def build_event(
    entry: MappingEntry,
    notification: Notification,
    *,
    source: str,
    pseudonymiser: Pseudonymiser,
) -> dict[str, Any] | Unresolved:
    """The CloudEvent that `entry` makes of `notification`."""
    subject = _subject(entry, notification, pseudonymiser)
    if isinstance(subject, Unresolved):
        return subject
    buurt = _buurt(entry, notification)
    if isinstance(buurt, Unresolved):
        return buurt
    data: dict[str, Any] = {}
    for name, spec in entry.data.items():
        value = _value(spec, notification, name)
        if isinstance(value, Unresolved):
            return value
        if value is not None:
            data[name] = value
    return {
        "specversion": "1.0",
        "id": event_id(notification),
        "source": source,
        "type": entry.type,
        "time": format_rfc3339(notification.aanmaakdatum),
        "subject": subject,
        "buurt": buurt,
        "data": data,
    }


def _subject(
    entry: MappingEntry, notification: Notification, pseudonymiser: Pseudonymiser
) -> str | Unresolved:
    spec = entry.subject
    if spec.kenmerk is None:
        return pseudonymiser.pseudonym(spec.kind, notification.hoofd_object)
    value = notification.kenmerken.get(spec.kenmerk, "").strip()
    if not value:
        return Unresolved(
            "missing_kenmerk", f"kenmerken.{spec.kenmerk}", "the subject's kenmerk is missing or empty"
        )
    return pseudonymiser.pseudonym(spec.kind, value)


def _buurt(entry: MappingEntry, notification: Notification) -> str | Unresolved:
    if entry.buurt_kenmerk is not None:
        value = notification.kenmerken.get(entry.buurt_kenmerk, "").strip()
        if value:
            if not is_buurtcode(value):
                return Unresolved(
                    "invalid_buurt", f"kenmerken.{entry.buurt_kenmerk}", "is not a CBS buurtcode (BU + 8)"
                )
            return value
    if entry.buurt is not None:
        return entry.buurt
    return Unresolved(
        "missing_buurt",
        f"kenmerken.{entry.buurt_kenmerk}",
        "the notification names no buurt and the mapping entry gives no constant buurt",
    )


def _value(spec: DataValue, notification: Notification, name: str) -> Any:
    if isinstance(spec, FromKenmerk):
        value = notification.kenmerken.get(spec.kenmerk)
        if value is None or not value.strip():
            if spec.optional:
                return None
            return Unresolved(
                "missing_kenmerk", f"kenmerken.{spec.kenmerk}", f"needed for data.{name}, missing or empty"
            )
        return value
    if isinstance(spec, IdOf):
        url = notification.hoofd_object if spec.id_of == "hoofdObject" else notification.resource_url
        segment = last_segment(url)
        if not segment:
            return Unresolved("invalid_notification", spec.id_of, f"has no path segment for data.{name}")
        return segment
    return spec


def last_segment(url: str) -> str:
    """The last non-empty path segment of `url` (a ZGW resource's uuid), unquoted."""
    path = urlsplit(url).path.rstrip("/")
    return unquote(path.rsplit("/", 1)[-1]) if path else ""
