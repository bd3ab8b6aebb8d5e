"""Routing: every record of `wijkbrug.inbound.<org>` becomes a `buurt.events` record or a dead letter.

The checks are the gateway's (services.ingest.admission), because connectors produce to the inbound
topics directly; the topic names the organisation, so a record may only carry that organisation's source.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from schemas.deadletter import Origin, dead_letter
from schemas.issues import Issue
from schemas.validation import BSN_DETECTED
from services.broker.records import CLOUDEVENTS_JSON, CONTENT_TYPE_HEADER, OutboundRecord, dumps
from services.broker.topics import Topology
from services.directory.model import Organisation
from services.geo.registry import BuurtRegistry
from services.ingest.admission import admit

PRODUCER = "processor.router"


@dataclass(frozen=True)
class InboundRecord:
    """What the router needs of a consumed record."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


@dataclass(frozen=True)
class RouteResult:
    """The record to produce, and whether it is a dead letter."""

    record: OutboundRecord
    dead: bool
    reason: str | None = None


class Router:
    """Turns inbound records into buurt events or dead letters (pure but for the organisation lookup)."""

    def __init__(
        self,
        topology: Topology,
        registry: BuurtRegistry,
        organisation: Callable[[str], Organisation | None],
    ) -> None:
        self._topology = topology
        self._registry = registry
        self._organisation = organisation
        self._inbound_prefix = topology.inbound("")

    def route(
        self, record: InboundRecord, *, now: datetime, trace_headers: list[tuple[str, bytes]]
    ) -> RouteResult:
        origin = Origin(
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            key=record.key.decode("utf-8", "replace") if record.key is not None else None,
        )
        slug = record.topic.removeprefix(self._inbound_prefix)
        raw, problem = _decode(record.value)
        if problem is not None:
            return self._dead("undecodable", [problem], raw, origin, now)
        org = self._organisation(slug)
        if org is None:
            issue = Issue(
                "source", "unknown_organisation", f"topic {record.topic} belongs to no known organisation"
            )
            return self._dead("unknown_organisation", [issue], raw, origin, now)
        admission = admit(raw, org, self._registry, now=now)
        if not admission.admitted:
            issues = list(admission.issues)
            if any(issue.code == BSN_DETECTED for issue in issues):
                reason = "bsn_detected"
            elif admission.forbidden:
                reason = "not_allowed"
            elif admission.event is not None:
                reason = "unplaceable"
            else:
                reason = "validation_failed"
            return self._dead(reason, issues, raw, origin, now)
        document = admission.wire()
        return RouteResult(
            record=OutboundRecord(
                topic=self._topology.events,
                key=str(document["buurt"]).encode("ascii"),
                value=dumps(document),
                headers=[(CONTENT_TYPE_HEADER, CLOUDEVENTS_JSON), *trace_headers],
            ),
            dead=False,
        )

    def _dead(self, reason: str, issues: list[Issue], raw: Any, origin: Origin, now: datetime) -> RouteResult:
        letter = dead_letter(reason, issues, raw, producer=PRODUCER, origin=origin, now=now)
        return RouteResult(
            record=OutboundRecord(
                topic=self._topology.deadletter,
                key=origin.topic.encode("utf-8"),
                value=dumps(letter.model_dump(mode="json")),
                headers=[(CONTENT_TYPE_HEADER, b"application/json")],
            ),
            dead=True,
            reason=reason,
        )


def _decode(value: bytes | None) -> tuple[Any, Issue | None]:
    if value is None:
        return None, Issue("", "empty_record", "the record has no value")
    try:
        return json.loads(value), None
    except UnicodeDecodeError:
        return value.decode("utf-8", "replace"), Issue("", "not_utf8", "the record is not UTF-8 text")
    except json.JSONDecodeError as exc:
        text = value.decode("utf-8", "replace")
        return text, Issue("", "not_json", f"the record is not JSON: {exc.msg} at position {exc.pos}")
