"""Whether an organisation may put an event into the hub, and which buurt it belongs to.

The gateway answers a partner with these verdicts (403 for what the organisation may not publish, 422
for an event that breaks the contract); the processor applies the same checks to everything on the
inbound topics (connectors produce there directly) and dead-letters what fails.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from schemas.catalogue import CATALOGUE, may_publish
from schemas.errors import EventValidationError
from schemas.issues import Issue
from schemas.validation import ValidatedEvent, source_and_type, validate_event
from services.directory.model import Organisation
from services.geo.registry import BuurtRegistry

SOURCE_NOT_ALLOWED = "source_not_allowed"
TYPE_NOT_ALLOWED = "type_not_allowed"
UNKNOWN_BUURT = "unknown_buurt"
UNPLACEABLE = "unplaceable"


@dataclass(frozen=True)
class Admission:
    """The verdict on one event: admitted with its buurt, or the issues that keep it out."""

    event: ValidatedEvent | None = None
    buurt: str | None = None
    forbidden: tuple[Issue, ...] = ()
    invalid: tuple[Issue, ...] = field(default_factory=tuple)

    @property
    def admitted(self) -> bool:
        return self.event is not None and self.buurt is not None and not self.forbidden and not self.invalid

    @property
    def issues(self) -> tuple[Issue, ...]:
        return (*self.forbidden, *self.invalid)

    def wire(self) -> dict[str, Any]:
        """The canonical event with its resolved buurt, as it travels on the topics."""
        if self.event is None or self.buurt is None:
            raise ValueError("only an admitted event has a wire form")
        document = self.event.to_wire()
        document["buurt"] = self.buurt
        return document


def admit(raw: Any, org: Organisation, registry: BuurtRegistry, *, now: datetime | None = None) -> Admission:
    """Check `raw` as published by `org`."""
    forbidden: list[Issue] = []
    source, type_name = source_and_type(raw)
    if source is not None and source != org.source:
        forbidden.append(
            Issue(
                "source",
                SOURCE_NOT_ALLOWED,
                f"this credential publishes as {org.source}; it may not publish as another source",
            )
        )
    event_type = CATALOGUE.get(type_name) if type_name else None
    if event_type is not None and not may_publish(org.domain, event_type):
        forbidden.append(
            Issue(
                "type",
                TYPE_NOT_ALLOWED,
                f"an organisation of domain {org.domain.value} may not publish {event_type.name}",
            )
        )
    try:
        event = validate_event(raw, now=now)
    except EventValidationError as exc:
        return Admission(forbidden=tuple(forbidden), invalid=tuple(exc.issues))
    if forbidden:
        return Admission(event=event, forbidden=tuple(forbidden))
    buurt, problem = _resolve_buurt(event, registry)
    if problem is not None:
        return Admission(event=event, invalid=(problem,))
    return Admission(event=event, buurt=buurt)


def _resolve_buurt(event: ValidatedEvent, registry: BuurtRegistry) -> tuple[str | None, Issue | None]:
    code = event.envelope.buurt
    if code is not None:
        if code not in registry:
            return None, Issue("buurt", UNKNOWN_BUURT, f"buurt {code} is not a buurt of this deployment")
        return code, None
    location = event.location
    if location is None:  # validate_event guarantees one of the two; keep the check explicit
        return None, Issue("buurt", "missing_location", "no buurt and no data.location")
    found = registry.locate(location.lat, location.lon)
    if found is None:
        return None, Issue(
            "data.location", UNPLACEABLE, "data.location lies in no buurt of this deployment's municipality"
        )
    return found.code, None
