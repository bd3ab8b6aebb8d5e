"""Accepting events from a partner: all or nothing, idempotent on (source, id), 202 only once acked.

Order of work for a request: admit every event (403/422 with per-event errors), check the journal for ids
seen before (same content: accepted again without a second copy; other content: 409), record the new
ones as pending, produce them with acks=all, mark them published, answer 202. A crash anywhere in
between leaves the event pending in the journal; a retry of the request produces it again, and every
stage downstream is idempotent on (source, id), so it is neither lost nor doubled.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from opentelemetry import trace
from opentelemetry.trace import Link, SpanKind, Status, StatusCode

from schemas.issues import Issue
from schemas.privacy import redact_text
from services.broker.errors import BrokerUnavailableError
from services.broker.publisher import Publisher
from services.broker.records import CLOUDEVENTS_JSON, CONTENT_TYPE_HEADER, OutboundRecord
from services.broker.topics import Topology
from services.db.errors import in_thread
from services.directory.model import Organisation
from services.errors import ConflictError, InvalidInputError, PermissionDeniedError
from services.gateway.topics import InboundTopics
from services.geo.registry import BuurtRegistry
from services.ingest.admission import Admission, admit
from services.journal.model import JournalRecord, JournalState
from services.journal.store import JournalStore
from services.telemetry.tracing import record_headers, span_context_from_traceparent, tracer


class EventsForbiddenError(PermissionDeniedError):
    """Events that the organisation may not publish (another source, another domain's type)."""

    code = "forbidden_events"


class EventsInvalidError(InvalidInputError):
    """Events that break the contract; nothing of the request was accepted."""

    code = "invalid_events"


class EventIdConflictError(ConflictError):
    """An event id of this source that was accepted before with other content."""

    code = "event_id_conflict"


@dataclass(frozen=True)
class _Prepared:
    index: int
    event_id: str
    record: JournalRecord
    admission: Admission


class IngestService:
    """The gateway's ingest use case, independent of HTTP."""

    def __init__(
        self,
        *,
        journal: JournalStore,
        publisher: Publisher,
        registry: BuurtRegistry,
        topology: Topology,
        inbound_topics: InboundTopics,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._journal = journal
        self._publisher = publisher
        self._registry = registry
        self._topology = topology
        self._inbound_topics = inbound_topics
        self._clock = clock

    async def accept(self, org: Organisation, events: Sequence[Any]) -> list[str]:
        """Accept all of `events` or none; returns their ids in request order."""
        admissions = self.admit(org, events)
        _refuse(admissions, events)
        return await self.accept_admitted(org, admissions)

    def admit(self, org: Organisation, events: Sequence[Any]) -> list[Admission]:
        """The verdict on each of `events` as published by `org` (nothing is accepted yet)."""
        now = self._clock()
        return [admit(raw, org, self._registry, now=now) for raw in events]

    async def accept_admitted(self, org: Organisation, admissions: Sequence[Admission]) -> list[str]:
        """Accept events that `admit` admitted, all or none; returns their ids in order."""
        prepared, new, pending = await self._sort(org, admissions)
        unpublished = [*new, *pending]
        if unpublished:
            await self._inbound_topics.ensure(org.slug)
            if new:
                await in_thread(self._journal.record_pending, [item.record for item in new])
            await self._publish(unpublished)
            await in_thread(self._journal.mark_published, org.source, [item.event_id for item in unpublished])
        return [item.event_id for item in prepared]

    async def accept_replayable(self, org: Organisation, admissions: Sequence[Admission]) -> list[str]:
        """`accept_admitted` for a caller that keeps its own position in the source and moves it only after
        this returns (a connector's checkpoint): produce first, then journal the new events as published,
        one write instead of two, and one producer span for the batch instead of one per event.

        A crash between the two leaves the events unknown to the journal; the caller reads them again
        from its position and they are produced again, which every stage downstream ignores by
        (source, id): the same outcome as a crash of `accept_admitted` between produce and marking.
        """
        prepared, new, pending = await self._sort(org, admissions)
        unpublished = [*new, *pending]
        if unpublished:
            await self._inbound_topics.ensure(org.slug)
            await self._publish(unpublished, one_span=True)
            if new:
                await in_thread(self._journal.record_published, [item.record for item in new])
            if pending:
                await in_thread(self._journal.mark_published, org.source, [item.event_id for item in pending])
        return [item.event_id for item in prepared]

    async def _sort(
        self, org: Organisation, admissions: Sequence[Admission]
    ) -> tuple[list[_Prepared], list[_Prepared], list[_Prepared]]:
        """All prepared events, the new ones and those journalled but never acknowledged; a conflict with
        an event accepted before raises EventIdConflictError."""
        prepared = self._prepare(org, admissions)
        unique = _collapse_duplicates(prepared)
        ids = [item.event_id for item in unique]
        known = await in_thread(self._journal.known, org.source, ids)
        new: list[_Prepared] = []
        pending: list[_Prepared] = []
        conflicts: list[_Prepared] = []
        for item in unique:
            seen = known.get(item.event_id)
            if seen is None:
                new.append(item)
            elif seen.content_hash != item.record.content_hash:
                conflicts.append(item)
            elif seen.state is JournalState.PENDING:
                pending.append(item)
        if conflicts:
            raise EventIdConflictError(
                f"{len(conflicts)} event id(s) of {org.source} were accepted before with other content; "
                "an event id may be sent again only with the same content (use a new id for a new event)",
                details=[
                    _event_errors(
                        item.index,
                        item.event_id,
                        [Issue("id", "event_id_conflict", "accepted before with other content")],
                    )
                    for item in conflicts
                ],
            )
        return prepared, new, pending

    def _prepare(self, org: Organisation, admissions: Sequence[Admission]) -> list[_Prepared]:
        topic = self._topology.inbound(org.slug)
        source = org.source
        prepared: list[_Prepared] = []
        for index, admission in enumerate(admissions):
            wire = admission.wire()
            record = JournalRecord.of(
                wire, source=source, org_slug=org.slug, topic=topic, key=str(wire["subject"])
            )
            prepared.append(
                _Prepared(index=index, event_id=record.event_id, admission=admission, record=record)
            )
        return prepared

    async def _publish(self, items: Sequence[_Prepared], *, one_span: bool = False) -> None:
        """Produce `items` with a producer span per event (a partner's request: each event linked to the
        partner's own trace), or with one span for the whole batch (a connector's thousands of rows a
        poll, where a span per row would cost more than producing the row and flood the traces)."""
        if one_span:
            spans = [_batch_span(items)]
            headers = _headers(spans[0])
            records = [_record(item, headers) for item in items]
        else:
            spans = [_event_span(item) for item in items]
            records = [_record(item, _headers(span)) for item, span in zip(items, spans, strict=True)]
        try:
            await self._publisher.publish(records)
        except BrokerUnavailableError:
            for span in spans:
                span.set_status(Status(StatusCode.ERROR, "broker unavailable"))
            raise
        finally:
            for span in spans:
                span.end()


def _event_span(item: _Prepared) -> trace.Span:
    return tracer().start_span(
        f"publish {item.record.type}",
        kind=SpanKind.PRODUCER,
        links=_partner_link(item.admission),
        attributes={
            "messaging.system": "kafka",
            "messaging.destination.name": item.record.topic,
            "cloudevents.event_id": item.event_id,
            "cloudevents.event_type": item.record.type,
            "cloudevents.event_source": item.record.source,
        },
    )


#: At most this many partner links on a batch's span (the SDK's default limit of links per span).
_MAX_LINKS = 128


def _batch_span(items: Sequence[_Prepared]) -> trace.Span:
    links = [link for item in items for link in _partner_link(item.admission)][:_MAX_LINKS]
    return tracer().start_span(
        f"publish {len(items)} events",
        kind=SpanKind.PRODUCER,
        links=links,
        attributes={
            "messaging.system": "kafka",
            "messaging.destination.name": items[0].record.topic,
            "messaging.batch.message_count": len(items),
            "cloudevents.event_source": items[0].record.source,
        },
    )


def _headers(span: trace.Span) -> list[tuple[str, bytes]]:
    return [(CONTENT_TYPE_HEADER, CLOUDEVENTS_JSON), *record_headers(trace.set_span_in_context(span))]


def _record(item: _Prepared, headers: Sequence[tuple[str, bytes]]) -> OutboundRecord:
    return OutboundRecord(
        topic=item.record.topic,
        key=item.record.key.encode("utf-8"),
        value=item.record.record.encode("utf-8"),
        headers=headers,
    )


def _refuse(admissions: Sequence[Admission], events: Sequence[Any]) -> None:
    forbidden = [
        _event_errors(index, _raw_id(events[index]), admission.forbidden)
        for index, admission in enumerate(admissions)
        if admission.forbidden
    ]
    if forbidden:
        raise EventsForbiddenError(
            f"{len(forbidden)} of {len(admissions)} event(s) may not be published with this credential; "
            "nothing was accepted",
            details=forbidden,
        )
    invalid = [
        _event_errors(index, _raw_id(events[index]), admission.invalid)
        for index, admission in enumerate(admissions)
        if admission.invalid
    ]
    if invalid:
        raise EventsInvalidError(
            f"{len(invalid)} of {len(admissions)} event(s) are invalid; nothing was accepted",
            details=invalid,
        )


def _collapse_duplicates(prepared: Sequence[_Prepared]) -> list[_Prepared]:
    """One item per event id; the same id twice in one batch must carry the same content."""
    first: dict[str, _Prepared] = {}
    clashes: list[_Prepared] = []
    for item in prepared:
        seen = first.get(item.event_id)
        if seen is None:
            first[item.event_id] = item
        elif seen.record.content_hash != item.record.content_hash:
            clashes.append(item)
    if clashes:
        raise EventsInvalidError(
            "the batch holds the same event id twice with different content; nothing was accepted",
            details=[
                _event_errors(
                    item.index,
                    item.event_id,
                    [Issue("id", "duplicate_id", "this id occurs earlier in the batch with other content")],
                )
                for item in clashes
            ],
        )
    return list(first.values())


def _partner_link(admission: Admission) -> list[Link]:
    """Link to the partner's own trace when the event carries the CloudEvents tracing extension."""
    event = admission.event
    if event is None or not event.envelope.traceparent:
        return []
    context = span_context_from_traceparent(event.envelope.traceparent)
    return [Link(context)] if context is not None else []


def _raw_id(raw: Any) -> str | None:
    if isinstance(raw, dict) and isinstance(raw.get("id"), str):
        return redact_text(raw["id"])[:256]
    return None


def _event_errors(index: int, event_id: str | None, issues: Sequence[Issue]) -> dict[str, Any]:
    return {"index": index, "id": event_id, "errors": [issue.as_dict() for issue in issues]}
