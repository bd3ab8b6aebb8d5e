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
from services.ingest.check import CheckedEvent, Verdict, check_events
from services.ingest.pool import CheckPool
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
    traceparent: str | None


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
        pool: CheckPool | None = None,
    ) -> None:
        self._journal = journal
        self._publisher = publisher
        self._registry = registry
        self._topology = topology
        self._inbound_topics = inbound_topics
        self._clock = clock
        self._pool = pool

    async def accept(self, org: Organisation, events: Sequence[Any]) -> list[str]:
        """Accept all of `events` or none; returns their ids in request order."""
        verdicts = self.check(org, events)
        _refuse(verdicts, events)
        return await self.accept_checked(org, [verdict.event for verdict in verdicts if verdict.event])

    def check(self, org: Organisation, events: Sequence[Any]) -> list[Verdict]:
        """The verdict on each of `events` as published by `org` (nothing is accepted yet)."""
        return check_events(
            events, org, registry=self._registry, topic=self._topology.inbound(org.slug), now=self._clock()
        )

    async def check_batch(self, org: Organisation, events: Sequence[Any]) -> list[Verdict]:
        """`check`, worked out in the check pool's worker process when there is one and the batch is
        large (a connector's poll), so that the caller's process can go on with other batches."""
        if self._pool is None or not self._pool.takes(len(events)):
            return self.check(org, events)
        topic = self._topology.inbound(org.slug)
        return await self._pool.check(events, org, topic=topic, now=self._clock())

    def close(self) -> None:
        """Stop the check pool's workers, if any."""
        if self._pool is not None:
            self._pool.close()

    async def accept_checked(self, org: Organisation, events: Sequence[CheckedEvent]) -> list[str]:
        """Accept events that `check` admitted, all or none; returns their ids in order."""
        prepared, new, pending = await self._sort(org, events)
        unpublished = [*new, *pending]
        if unpublished:
            await self._inbound_topics.ensure(org.slug)
            if new:
                await in_thread(self._journal.record_pending, [item.record for item in new])
            await self._publish(unpublished)
            await in_thread(self._journal.mark_published, org.source, [item.event_id for item in unpublished])
        return [item.event_id for item in prepared]

    async def accept_replayable(self, org: Organisation, events: Sequence[CheckedEvent]) -> list[str]:
        """`accept_checked` for a caller that keeps its own position in the source and moves it only after
        this returns (a connector's checkpoint): produce first, then journal the new events as published,
        one write instead of two, and one producer span for the batch instead of one per event.

        A crash between the two leaves the events unknown to the journal; the caller reads them again
        from its position and they are produced again, which every stage downstream ignores by
        (source, id): the same outcome as a crash of `accept_checked` between produce and marking.
        """
        prepared, new, pending = await self._sort(org, events)
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
        self, org: Organisation, events: Sequence[CheckedEvent]
    ) -> tuple[list[_Prepared], list[_Prepared], list[_Prepared]]:
        """All prepared events, the new ones and those journalled but never acknowledged; a conflict with
        an event accepted before raises EventIdConflictError."""
        prepared = [
            _Prepared(index, event.record.event_id, event.record, event.traceparent)
            for index, event in enumerate(events)
        ]
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
        links=_partner_link(item.traceparent),
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
    links = [link for item in items for link in _partner_link(item.traceparent)][:_MAX_LINKS]
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


def _refuse(verdicts: Sequence[Verdict], events: Sequence[Any]) -> None:
    forbidden = [
        _event_errors(index, _raw_id(events[index]), verdict.forbidden)
        for index, verdict in enumerate(verdicts)
        if verdict.forbidden
    ]
    if forbidden:
        raise EventsForbiddenError(
            f"{len(forbidden)} of {len(verdicts)} event(s) may not be published with this credential; "
            "nothing was accepted",
            details=forbidden,
        )
    invalid = [
        _event_errors(index, _raw_id(events[index]), verdict.invalid)
        for index, verdict in enumerate(verdicts)
        if verdict.invalid
    ]
    if invalid:
        raise EventsInvalidError(
            f"{len(invalid)} of {len(verdicts)} event(s) are invalid; nothing was accepted",
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


def _partner_link(traceparent: str | None) -> list[Link]:
    """Link to the partner's own trace when the event carries the CloudEvents tracing extension."""
    if not traceparent:
        return []
    context = span_context_from_traceparent(traceparent)
    return [Link(context)] if context is not None else []


def _raw_id(raw: Any) -> str | None:
    if isinstance(raw, dict) and isinstance(raw.get("id"), str):
        return redact_text(raw["id"])[:256]
    return None


def _event_errors(index: int, event_id: str | None, issues: Sequence[Issue]) -> dict[str, Any]:
    return {"index": index, "id": event_id, "errors": [issue.as_dict() for issue in issues]}
