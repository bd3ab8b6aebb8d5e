"""The faust app of the processor: the rule engine on `buurt.events`, state per subject in a table.

Agent concurrency is 1 (with more, faust can commit an offset past an event still in flight and lose it
on a restart). For every event: load the subject's state, apply the engine with the wall clock, send the
escalation messages and write the new state. faust flushes its producer (changelog and messages) before
it commits the event's offset; after a crash the event comes back, and if its state was saved but its
messages were lost, the state now holds it: the engine then republishes everything it published about the
subject, and the sink's merge (by dedup key and evidence id) absorbs the repeat.

Clock records (header `wijkbrug-control: clock`) on `buurt.events` bring the wall clock to each partition
(see services.processor.deadlines): they conclude absences whose deadline passed with nothing arriving.
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
from services.broker.records import CONTENT_TYPE_HEADER, dumps, header
from services.broker.security import KafkaSecurity
from services.broker.topics import RULE_STATE_TABLE, Topology
from services.processor.deadlines import DeadlineIndex
from services.processor.transport import SCHEME
from services.rules.engine import Outcome, RuleEngine
from services.rules.facts import subject_event_from_wire, to_micros
from services.rules.publication import ClashUpdate
from services.rules.state import SubjectState
from services.telemetry.metrics import instruments
from services.telemetry.tracing import context_from_headers, record_headers, tracer

log = logging.getLogger(__name__)

PRODUCER = "processor.rules"
CONTROL_HEADER = "wijkbrug-control"
CLOCK = b"clock"
PARTITION_KEY = "p"


@dataclass
class ProcessorCounters:
    """What the rules stage did, for heartbeats, tests and benchmarks."""

    seen: int = 0
    evaluated: int = 0
    escalations: int = 0
    withdrawals: int = 0
    too_late: int = 0
    duplicates: int = 0
    ticks: int = 0
    expired: int = 0
    failed: int = 0


@dataclass
class Processor:
    """The faust app and what the worker needs of it."""

    app: faust.App
    counters: ProcessorCounters
    events: Any
    index: DeadlineIndex
    #: The next offset of buurt.events per partition after the event the agent took last (for the lag).
    positions: dict[int, int]


def create_processor_app(
    *, bootstrap: str, topology: Topology, engine: RuleEngine, data_dir: Path, store: str = "memory://"
) -> Processor:
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
        broker_credentials=KafkaSecurity().faust_credentials(),
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
    positions: dict[int, int] = {}
    index = DeadlineIndex()

    async def publish(messages: list[ClashUpdate]) -> None:
        # Buffered, not awaited one by one: faust flushes its producer (changelog and these records)
        # before it commits an offset, and an event that comes back after a crash republishes.
        for message in messages:
            await escalations.send(
                key=message.buurt.encode("ascii"),
                value=dumps(message.to_message().model_dump(mode="json")),
                headers=[(CONTENT_TYPE_HEADER, b"application/json"), *record_headers()],
            )
            if message.withdrawn:
                counters.withdrawals += 1
            else:
                counters.escalations += 1

    def save(subject: str, state: SubjectState, outcome: Outcome, partition: int) -> None:
        if outcome.expired:
            counters.expired += 1
            if table.get(subject) is not None:
                del table[subject]
            index.schedule(partition, subject, None)
            return
        if outcome.changed:
            document = state.to_json()
            document[PARTITION_KEY] = partition
            table[subject] = document
        index.schedule(partition, subject, outcome.wakeup)

    async def evaluate(event: Any) -> None:
        counters.seen += 1
        document = json.loads(event.value)
        if not engine.interested(str(document.get("type"))):
            return
        subject_event = subject_event_from_wire(document, engine.data_fields)
        subject = subject_event.subject
        state = SubjectState.from_json(table.get(subject))
        now = datetime.now(UTC)
        clock = to_micros(now)
        outcome = engine.apply(state, subject_event, clock=clock, emitted_at=now)
        if outcome.too_late:
            counters.too_late += 1
        if outcome.duplicate:
            counters.duplicates += 1
            await publish(engine.republish(state, subject, clock=clock, emitted_at=now))
        await publish(outcome.messages)
        save(subject, state, outcome, event.message.partition)
        counters.evaluated += 1

    async def tick(partition: int) -> None:
        counters.ticks += 1
        now = datetime.now(UTC)
        clock = to_micros(now)
        if not index.built(partition):
            index.build(
                partition,
                (
                    (subject, document)
                    for subject, document in table.items()
                    if isinstance(document, dict) and document.get(PARTITION_KEY) == partition
                ),
                lambda document: engine.wakeup(SubjectState.from_json(document), clock),
            )
        for subject in index.due(partition, clock):
            document = table.get(subject)
            if not isinstance(document, dict) or document.get(PARTITION_KEY) != partition:
                continue
            state = SubjectState.from_json(document)
            outcome = engine.advance(state, subject, clock=clock, emitted_at=now)
            await publish(outcome.messages)
            save(subject, state, outcome, partition)

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
            positions[event.message.partition] = event.message.offset + 1
            if header(event.message.headers, CONTROL_HEADER) == CLOCK.decode():
                await tick(event.message.partition)
                continue
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
                    instruments().deadletter_records.add(
                        1, {"stage": "processor", "reason": "processing_failed"}
                    )
                    span.set_status(Status(StatusCode.ERROR, type(error).__name__))
                    log.exception("rule engine failed on %s; dead-lettered", event.message.topic)
                    await reject(event, error)

    return Processor(app=app, counters=counters, events=events, index=index, positions=positions)


async def send_clock(processor: Processor, topic: str) -> int:
    """One clock record to every partition of `topic` that this worker owns; returns how many."""
    partitions = sorted(tp.partition for tp in processor.app.consumer.assignment() if tp.topic == topic)
    for partition in partitions:
        await processor.events.send(
            key=None,
            value=b"{}",
            partition=partition,
            headers=[(CONTROL_HEADER, CLOCK)],
        )
    return len(partitions)
