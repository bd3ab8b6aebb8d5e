"""`kind: zgw-notificaties`: notifications of a municipal case system (ZGW), delivered by an NRC to a
callback on the gateway, become catalogue events.

This module holds the pure logic: `ZgwReceiver.receive(authorization, body)` decides what one delivery
is; the gateway route (`services.gateway.zgw_route`) delivers and answers. Choices:

- **Authorization.** The NRC sends the abonnement's `auth` string verbatim as the `Authorization`
  header; it is compared in constant time with the value of the environment variable `auth_env`
  (surrounding whitespace of that value is ignored). Missing or different: `Unauthorized` (401).
- **The test message** (`kanaal: test`, sent when an abonnement is created): `Handshake` (204),
  nothing is emitted. It is recognised after the authorization check only.
- **Dedup.** The message has no id. The event id is `zgw-` + sha256 of (kanaal, resourceUrl, actie,
  aanmaakdatum in UTC), so every delivery of one notification yields the same id, and the hub's
  journal (idempotent on (source, id)) keeps one event.
- **Mapping.** A table in the config (`connectors.kinds.zgw_config`) maps (kanaal, zaaktype, resource,
  actie, and optional `when` kenmerken such as `statustype`) to a catalogue type. The notification
  carries no outcome of a decision, so an entry names constants for such fields (one entry per
  statustype: "vergunning verleend" -> outcome granted, "geweigerd" -> refused). `permit_id` and
  similar come from `{id_of: hoofdObject}` (the zaak's uuid) or from a kenmerk.
- **Subject.** The keyed pseudonym (default `ini:`) of hoofdObject, or of a configured kenmerk: the raw
  zaak URL never leaves the connector.
- **Buurt.** A kenmerk named by `buurt_kenmerk` holding a CBS buurtcode, else the entry's constant
  `buurt`; neither: dead-lettered with reason `missing_buurt` (a zaak notification has no point, and a
  guessed buurt would route the event to the wrong table).
- **Unmapped or malformed.** `Reject` with reason `unmapped_zaaktype` or `invalid_notification` (with
  the field); with `unmapped: ignore` an unmapped notification is `Ignored` instead. The route
  dead-letters rejects and still answers 2xx: the NRC retries for a day, and retrying cannot map them.
- **Privacy of dead letters.** The rejected record is the notification without hoofdObject and
  resourceUrl (withheld) and without the kenmerken used as a subject source; `bronorganisatie` (an
  RSIN, which passes the 11-proef) is redacted by `schemas.deadletter` like any would-be BSN. It is
  never put into an event: an entry can only copy kenmerken it names.
"""

from __future__ import annotations

import hmac
import os
from dataclasses import dataclass
from typing import Any

from connectors.base import ConnectorContext
from connectors.errors import ConfigError
from connectors.kinds.zgw_config import ZgwConfig
from connectors.kinds.zgw_mapping import Unresolved, build_event, find_entry
from connectors.kinds.zgw_message import (
    Malformed,
    Notification,
    is_test_message,
    parse_json,
    parse_notification,
)
from connectors.model import Emit, Reject
from schemas.identifiers import source_for

__all__ = ["Handshake", "Ignored", "Unauthorized", "ZgwConfig", "ZgwOutcome", "ZgwReceiver"]

UNMAPPED = "unmapped_zaaktype"
INVALID = "invalid_notification"
WITHHELD = "(withheld)"


@dataclass(frozen=True)
class Unauthorized:
    """The Authorization header is missing or not the configured secret."""


@dataclass(frozen=True)
class Handshake:
    """The NRC's test message: accepted, nothing emitted."""


@dataclass(frozen=True)
class Ignored:
    """A valid notification that no entry maps, with `unmapped: ignore`."""

    position: str


ZgwOutcome = Unauthorized | Handshake | Ignored | Emit | Reject


class ZgwReceiver:
    """The callback's logic for one `zgw-notificaties` connector."""

    def __init__(self, config: ZgwConfig, context: ConnectorContext, *, secret: str | None = None) -> None:
        self.config = config
        self.context = context
        self._pseudonymiser = context.require_pseudonymiser()
        value = secret if secret is not None else os.environ.get(config.auth_env, "")
        if not value.strip():
            raise ConfigError(context.file, "auth_env", f"environment variable {config.auth_env} is not set")
        self._secret = value.strip().encode("utf-8")

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def source(self) -> str:
        """The CloudEvents source of the connector's organisation."""
        return source_for(self.config.org)

    def authorized(self, authorization: str | None) -> bool:
        """Whether the header is the configured secret (constant-time comparison)."""
        if authorization is None:
            return False
        return hmac.compare_digest(authorization.strip().encode("utf-8"), self._secret)

    def receive(self, authorization: str | None, body: bytes) -> ZgwOutcome:
        """What one delivery to the callback is."""
        if not self.authorized(authorization):
            return Unauthorized()
        document = parse_json(body)
        if isinstance(document, Malformed):
            return Reject(INVALID, document.message, _body_record(body), "body", document.field)
        if is_test_message(document):
            return Handshake()
        notification = parse_notification(document)
        if isinstance(notification, Malformed):
            return Reject(INVALID, notification.message, self._record(document), "body", notification.field)
        position = f"notification:{notification.key[:32]}"
        entry = find_entry(self.config.mapping, notification)
        if entry is None:
            if self.config.unmapped == "ignore":
                return Ignored(position)
            return Reject(
                UNMAPPED,
                _unmapped_message(notification),
                self._record(document),
                position,
                "kenmerken.zaaktype",
            )
        event = build_event(entry, notification, source=self.source, pseudonymiser=self._pseudonymiser)
        if isinstance(event, Unresolved):
            return Reject(event.reason, event.message, self._record(document), position, event.field)
        return Emit(event, position)

    def _record(self, document: dict[str, Any]) -> dict[str, Any]:
        """The notification as it may go on the dead-letter topic."""
        subject_kenmerken = {entry.subject.kenmerk for entry in self.config.mapping if entry.subject.kenmerk}
        record = dict(document)
        for name in ("hoofdObject", "resourceUrl"):
            if name in record:
                record[name] = WITHHELD
        kenmerken = record.get("kenmerken")
        if isinstance(kenmerken, dict):
            record["kenmerken"] = {
                key: (WITHHELD if key in subject_kenmerken else value) for key, value in kenmerken.items()
            }
        return record


def _unmapped_message(notification: Notification) -> str:
    zaaktype = notification.kenmerken.get("zaaktype")
    described = f"zaaktype {zaaktype}" if zaaktype else "no zaaktype"
    return (
        f"no mapping entry for kanaal {notification.kanaal}, resource {notification.resource}, "
        f"actie {notification.actie}, {described}"
    )


def _body_record(body: bytes) -> dict[str, Any]:
    """An unreadable body is described, not copied: it may hold what must not leave."""
    return {"body_bytes": len(body)}
