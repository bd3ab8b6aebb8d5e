"""An NRC notification (VNG ZGW Notificaties API): its shape checked, its dedup key derived.

The message has no id; deliveries are at-least-once, so the key of a notification is a hash of
(kanaal, resourceUrl, actie, aanmaakdatum). aanmaakdatum is normalised to UTC first, so that the same
instant written with another offset is the same notification.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, get_args
from urllib.parse import urlsplit

from connectors.kinds.zgw_config import Actie

TEST_KANAAL = "test"
ACTIES: tuple[str, ...] = get_args(Actie)
MAX_URI = 1000


@dataclass(frozen=True)
class Notification:
    """A notification whose shape is valid."""

    kanaal: str
    hoofd_object: str
    resource: str
    resource_url: str
    actie: str
    aanmaakdatum: datetime
    kenmerken: dict[str, str] = field(default_factory=dict)
    source: str | None = None

    @property
    def key(self) -> str:
        """The dedup key: sha256 hex of kanaal, resourceUrl, actie and aanmaakdatum (UTC)."""
        parts = (self.kanaal, self.resource_url, self.actie, self.aanmaakdatum.astimezone(UTC).isoformat())
        return hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Malformed:
    """Why a body is not a notification: the field and a message (never echoing values)."""

    field: str
    message: str


def parse_json(body: bytes) -> dict[str, Any] | Malformed:
    """The JSON object in `body`."""
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        return Malformed("", "the body is not JSON")
    if not isinstance(document, dict):
        return Malformed("", "the body is not a JSON object")
    return document


def is_test_message(document: dict[str, Any]) -> bool:
    """Whether this is the NRC's `kanaal: test` message (sent when an abonnement is created)."""
    return document.get("kanaal") == TEST_KANAAL


def parse_notification(document: dict[str, Any]) -> Notification | Malformed:
    """The notification in `document`, or the first field that breaks the NRC's message schema."""
    checks: tuple[tuple[str, int, bool], ...] = (
        ("kanaal", 50, False),
        ("hoofdObject", MAX_URI, True),
        ("resource", 100, False),
        ("resourceUrl", MAX_URI, True),
    )
    values: dict[str, str] = {}
    for name, limit, uri in checks:
        problem = _string(document.get(name), limit, uri=uri)
        if problem is not None:
            return Malformed(name, problem)
        values[name] = document[name]
    actie = document.get("actie")
    if actie not in ACTIES:
        return Malformed("actie", f"must be one of {', '.join(ACTIES)}")
    aanmaakdatum = _date_time(document.get("aanmaakdatum"))
    if isinstance(aanmaakdatum, Malformed):
        return aanmaakdatum
    source = document.get("source")
    if source is not None and _string(source, 100, uri=False) is not None:
        return Malformed("source", "must be a string of at most 100 characters")
    kenmerken = document.get("kenmerken", {})
    if kenmerken is None:
        kenmerken = {}
    if not isinstance(kenmerken, dict) or not all(
        isinstance(key, str) and isinstance(value, str) for key, value in kenmerken.items()
    ):
        return Malformed("kenmerken", "must map strings to strings")
    return Notification(
        kanaal=values["kanaal"],
        hoofd_object=values["hoofdObject"],
        resource=values["resource"],
        resource_url=values["resourceUrl"],
        actie=str(actie),
        aanmaakdatum=aanmaakdatum,
        kenmerken=dict(kenmerken),
        source=source,
    )


def _string(value: Any, limit: int, *, uri: bool) -> str | None:
    if not isinstance(value, str) or not value:
        return "required: a non-empty string"
    if len(value) > limit:
        return f"longer than {limit} characters"
    if uri:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return "must be an absolute http(s) URI"
    return None


def _date_time(value: Any) -> datetime | Malformed:
    if not isinstance(value, str):
        return Malformed("aanmaakdatum", "required: a date-time")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return Malformed("aanmaakdatum", "must be an RFC 3339 date-time")
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        return Malformed("aanmaakdatum", "must be an RFC 3339 date-time with a time zone offset")
    return parsed
