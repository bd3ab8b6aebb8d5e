"""Consumes `buurt.escalations` into the escalation store; a replayed or doubled message changes nothing.

Offsets are committed only after the database transaction, so while the database is down the sink
keeps retrying the same batch and catches up afterwards.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from opentelemetry import trace
from opentelemetry.trace import SpanKind
from pydantic import ValidationError

from schemas.escalation import EscalationMessage
from services.broker.consumer import BatchConsumer
from services.broker.topics import Topology
from services.db.errors import in_thread
from services.escalations.store import EscalationStore
from services.telemetry.metrics import instruments
from services.telemetry.tracing import context_from_headers, traceparent_of, tracer

log = logging.getLogger(__name__)


@dataclass
class SinkCounters:
    """What the sink did."""

    opened: int = 0
    updated: int = 0
    unchanged: int = 0
    unreadable: int = 0


class EscalationSink:
    """The consumer and the store, wired."""

    def __init__(self, *, bootstrap: str, topology: Topology, store: EscalationStore) -> None:
        self._store = store
        self.counters = SinkCounters()
        self.consumer = BatchConsumer(
            name="sink",
            bootstrap=bootstrap,
            group_id=topology.sink_group,
            topics=[topology.escalations],
            handler=self.handle,
        )

    async def handle(self, records: Sequence[Any]) -> None:
        messages: list[EscalationMessage] = []
        spans: list[trace.Span] = []
        for record in records:
            try:
                message = EscalationMessage.model_validate(json.loads(record.value))
            except (ValidationError, ValueError, TypeError):
                # Only the processor writes this topic; an unreadable record is a bug, not a clash.
                self.counters.unreadable += 1
                log.error(
                    "unreadable escalation record at %s/%s@%s", record.topic, record.partition, record.offset
                )
                continue
            messages.append(message)
            spans.append(
                tracer().start_span(
                    "persist escalation",
                    context=context_from_headers(record.headers),
                    kind=SpanKind.CONSUMER,
                    attributes={"wijkbrug.dedup_key": message.dedup_key, "wijkbrug.rule": message.rule},
                )
            )
        traceparents = [traceparent_of(span) for span in spans]
        try:
            result = await in_thread(self._store.apply, messages, traceparents)
        finally:
            for span in spans:
                span.end()
        self.counters.opened += len(result.opened)
        self.counters.updated += len(result.updated)
        counters = instruments()
        for rule, count in Counter(result.opened_rules).items():
            counters.escalations_opened.add(count, {"rule": rule})
        for rule, count in Counter(result.updated_rules).items():
            counters.escalations_updated.add(count, {"rule": rule})
        self.counters.unchanged += result.unchanged
