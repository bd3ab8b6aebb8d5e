"""The faust app of the processor: the rule engine on `buurt.events`, state per subject in a table.

Agent concurrency is 1 (with more, faust can commit an offset past an event still in flight and lose it
on a restart). For every event: load the subject's state, apply the engine, send the escalations and
wait for the broker's acknowledgement, and only then write the new state. A crash in between makes the
event come back; the state does not hold it yet, so the escalations are sent again and the sink's
idempotency (by dedup key and evidence id) absorbs the repeat.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import faust
from opentelemetry.trace import SpanKind, Status, StatusCode

from schemas.deadletter import Origin, dead_letter
from schemas.issues import Issue
from services.broker.records import CONTENT_TYPE_HEADER, dumps
from services.broker.topics import RULE_STATE_TABLE, Topology
from services.processor.transport import SCHEME
from services.rules.engine import RuleEngine
from services.rules.facts import subject_event_from_wire
from services.rules.state import SubjectState
from services.telemetry.tracing import context_from_headers, record_headers, tracer

log = logging.getLogger(__name__)

PRODUCER = "processor.rules"


@dataclass
class ProcessorCounters:
    """What the rules stage did, for heartbeats and tests."""

    evaluated: int = 0
    escalations: int = 0
    failed: int = 0


def create_processor_app(
    *, bootstrap: str, topology: Topology, engine: RuleEngine, data_dir: Path, store: str = "memory://"
) -> tuple[faust.App, ProcessorCounters]:
    """A faust app running `engine` over `topology.events`."""
    app = faust.App(
        topology.processor_app_id,
        broker=[f"{SCHEME}://{address.strip()}" for address in bootstrap.split(",")],
        store=store,
        datadir=str(data_dir / "faust"),
        topic_partitions=topology.partitions_events,
        topic_allow_declare=False,
        topic_disable_leader=True,
        web_enabled=False,
        autodiscover=False,
        consumer_auto_offset_reset="earliest",
        producer_acks=-1,
        # Batch the changelog and escalation records for a few ms instead of one request per record.
        producer_linger=0.005,
        broker_session_timeout=6.0,
        broker_heartbeat_interval=1.0,
        broker_rebalance_timeout=6.0,
        stream_wait_empty=False,
        table_standby_replicas=0,
        processing_guarantee="at_least_once",
    )
    events = app.topic(
        topology.events,
        key_serializer="raw",
        value_serializer="raw",
        partitions=topology.partitions_events,
        internal=False,
    )
    escalations = app.topic(
        topology.escalations,
        key_serializer="raw",
        value_serializer="raw",
        partitions=topology.partitions_escalations,
        internal=False,
    )
    deadletter = app.topic(topology.deadletter, key_serializer="raw", value_serializer="raw", internal=False)
    table = app.Table(
        RULE_STATE_TABLE,
        default=None,
        partitions=topology.partitions_events,
        schema=faust.Schema(key_type=str, key_serializer="json", value_serializer="json"),
    )
    counters = ProcessorCounters()

    async def evaluate(event: Any) -> None:
        document = json.loads(event.value)
        if not engine.interested(str(document.get("type"))):
            return
        subject_event = subject_event_from_wire(document)
        subject = subject_event.subject
        state = SubjectState.from_json(table.get(subject))
        changed, messages = engine.apply(state, subject_event, emitted_at=datetime.now(UTC))
        for message in messages:
            delivery = await escalations.send(
                key=message.buurt.encode("ascii"),
                value=dumps(message.model_dump(mode="json")),
                headers=[(CONTENT_TYPE_HEADER, b"application/json"), *record_headers()],
            )
            await delivery
        if changed:
            table[subject] = state.to_json()
        counters.evaluated += 1
        counters.escalations += len(messages)

    async def reject(event: Any, error: Exception) -> None:
        message = event.message
        origin = Origin(topic=message.topic, partition=message.partition, offset=message.offset)
        raw: Any
        try:
            raw = json.loads(event.value)
        except (ValueError, TypeError):
            raw = event.value.decode("utf-8", "replace") if isinstance(event.value, bytes) else None
        letter = dead_letter(
            "processing_failed",
            [
                Issue(
                    "",
                    "processing_failed",
                    f"the rule engine could not process the event: {type(error).__name__}",
                )
            ],
            raw,
            producer=PRODUCER,
            origin=origin,
        )
        delivery = await deadletter.send(
            key=message.topic.encode("utf-8"), value=dumps(letter.model_dump(mode="json"))
        )
        await delivery

    @app.agent(events, concurrency=1, name="rules")
    async def rules(stream: Any) -> None:
        async for event in stream.events():
            with tracer().start_as_current_span(
                "evaluate rules",
                context=context_from_headers(event.message.headers),
                kind=SpanKind.CONSUMER,
                attributes={"messaging.source.name": event.message.topic},
            ) as span:
                try:
                    await evaluate(event)
                except (ValueError, KeyError, TypeError) as error:
                    # A record the engine cannot read would stop the partition for good: set it aside.
                    counters.failed += 1
                    span.set_status(Status(StatusCode.ERROR, type(error).__name__))
                    log.exception("rule engine failed on %s; dead-lettered", event.message.topic)
                    await reject(event, error)

    return app, counters
