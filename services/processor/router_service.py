"""The routing stage: consumes every inbound topic by pattern (new organisations are picked up), on aiokafka.

faust cannot subscribe by pattern (its aiokafka driver says so: "pattern does not work"), and routing
needs no state, so this stage is an at-least-once aiokafka consumer running inside the processor.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaProducer
from opentelemetry.trace import SpanKind

from services.broker.consumer import BatchConsumer
from services.broker.security import KafkaSecurity
from services.broker.topics import Topology
from services.processor.routing import InboundRecord, Router
from services.telemetry.metrics import instruments
from services.telemetry.tracing import context_from_headers, record_headers, tracer

log = logging.getLogger(__name__)


class RouterService:
    """Runs the router on a batch consumer and an idempotent producer."""

    def __init__(self, *, bootstrap: str, topology: Topology, router: Router) -> None:
        self._bootstrap = bootstrap
        self._topology = topology
        self._router = router
        self._producer: AIOKafkaProducer | None = None
        self.routed = 0
        self.dead_lettered = 0
        self.consumer = BatchConsumer(
            name="router",
            bootstrap=bootstrap,
            group_id=topology.router_group,
            pattern=topology.inbound_pattern,
            handler=self._handle,
        )

    async def run(self, stop: asyncio.Event) -> None:
        try:
            await self.consumer.run(stop)
        finally:
            await self._close_producer()

    async def _handle(self, records: Sequence[Any]) -> None:
        producer = await self._ensure_producer()
        now = datetime.now(UTC)
        deliveries = []
        dead = 0
        try:
            for record in records:
                with tracer().start_as_current_span(
                    "route event",
                    context=context_from_headers(record.headers),
                    kind=SpanKind.CONSUMER,
                    attributes={
                        "messaging.source.name": record.topic,
                        "messaging.kafka.offset": record.offset,
                    },
                ) as span:
                    result = self._router.route(
                        InboundRecord(
                            record.topic, record.partition, record.offset, record.key, record.value
                        ),
                        now=now,
                        trace_headers=record_headers(),
                    )
                    if result.dead:
                        dead += 1
                        span.set_attribute("wijkbrug.deadletter.reason", result.reason or "")
                        instruments().deadletter_records.add(
                            1, {"stage": "router", "reason": result.reason or "unknown"}
                        )
                out = result.record
                deliveries.append(
                    await producer.send(out.topic, value=out.value, key=out.key, headers=list(out.headers))
                )
            await asyncio.gather(*deliveries)
        except Exception:
            # A producer that failed may be unusable (e.g. an unknown producer id after a broker restart).
            await self._close_producer()
            raise
        self.routed += len(records) - dead
        self.dead_lettered += dead
        if dead:
            log.info("router dead-lettered %d of %d record(s)", dead, len(records))

    async def _ensure_producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            # acks=all without idempotence: tansu answers aiokafka's InitProducerId with an unknown error.
            # A retried send may then write a record twice; every stage downstream is idempotent on
            # (source, id), so a duplicate on buurt.events changes nothing.
            producer = AIOKafkaProducer(
                bootstrap_servers=self._bootstrap,
                client_id="wijkbrug-router",
                acks="all",
                enable_idempotence=False,
                linger_ms=5,
                **KafkaSecurity().client_kwargs(),
            )
            try:
                await producer.start()
            except BaseException:
                await producer.stop()
                raise
            self._producer = producer
        return self._producer

    async def _close_producer(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            try:
                await producer.stop()
            except Exception:
                log.debug("stopping the router's producer failed", exc_info=True)
