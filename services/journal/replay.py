"""Refilling an empty broker from the journal (the embedded broker keeps nothing across a restart)."""

from __future__ import annotations

import logging

from kafka import KafkaProducer
from kafka.errors import KafkaError

from services.broker.errors import BrokerUnavailableError
from services.broker.records import CLOUDEVENTS_JSON, CONTENT_TYPE_HEADER, TRACEPARENT_HEADER
from services.broker.security import KafkaSecurity
from services.journal.store import JournalStore

log = logging.getLogger(__name__)


def replay_journal(journal: JournalStore, bootstrap: str, *, timeout_s: float = 30.0) -> int:
    """Produce every journalled event to its inbound topic again, in acceptance order; returns the count.

    Every stage downstream is idempotent on (source, id), so events the broker still had are harmless.
    """
    timeout_ms = int(timeout_s * 1000)
    try:
        producer = KafkaProducer(
            bootstrap_servers=bootstrap,
            client_id="wijkbrug-replay",
            acks="all",
            enable_idempotence=True,
            linger_ms=20,
            batch_size=512 * 1024,
            # Without these an unreachable broker blocks for kafka-python's defaults (30 s, 60 s).
            bootstrap_timeout_ms=timeout_ms,
            max_block_ms=timeout_ms,
            **KafkaSecurity().client_kwargs(),
        )
    except KafkaError as exc:
        raise BrokerUnavailableError(f"cannot replay the journal to {bootstrap}: {exc}") from exc
    count = 0
    try:
        for batch in journal.replay():
            deliveries = [
                producer.send(
                    item.topic,
                    key=item.key.encode("utf-8"),
                    value=item.record.encode("utf-8"),
                    headers=_headers(item.traceparent),
                )
                for item in batch
            ]
            producer.flush(timeout=timeout_s)
            for delivery in deliveries:
                delivery.get(timeout=timeout_s)
            count += len(batch)
    except KafkaError as exc:
        raise BrokerUnavailableError(f"replaying the journal failed after {count} events: {exc}") from exc
    finally:
        producer.close(timeout=timeout_s)
    if count:
        log.info("replayed %d journalled event(s) into the broker", count)
    return count


def _headers(traceparent: str | None) -> list[tuple[str, bytes]]:
    """The record headers of a replayed event: its content type and, if journalled, its trace context."""
    headers = [(CONTENT_TYPE_HEADER, CLOUDEVENTS_JSON)]
    if traceparent:
        headers.append((TRACEPARENT_HEADER, traceparent.encode("ascii")))
    return headers
