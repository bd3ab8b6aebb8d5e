"""Producing records with acks=all and an idempotent producer, awaitable from asyncio.

The producer is librdkafka's (confluent-kafka): its I/O, batching and retries run in librdkafka's own
threads without Python's global lock, so producing costs the caller a few microseconds a record (the
pure-Python producer cost ten times that, the largest share of a connector's time per row). `produce()`
only queues; delivery reports come from `poll()`, which a small thread per producer calls, and a batch
waits for its reports through one asyncio future. A producer that failed is discarded and rebuilt: after
a broker restart an idempotent producer's id is unknown to the new broker and it would fail forever.
Keys are placed with murmur2 as Java's and kafka-python's clients place them (`murmur2_random`), so every
producer of the hub puts a key in the same partition.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Sequence
from typing import Any, Protocol

from confluent_kafka import KafkaError, KafkaException, Message, Producer

from services.broker.errors import BrokerUnavailableError
from services.broker.records import OutboundRecord
from services.broker.security import KafkaSecurity
from services.process.children import port_open

log = logging.getLogger(__name__)

#: How long the delivery thread waits in one poll; also how quickly it notices a close.
_POLL_S = 0.1


class Publisher(Protocol):
    """Something that gets records acknowledged by the broker."""

    async def publish(self, records: Sequence[OutboundRecord]) -> None:
        """Return once every record is acknowledged; raise BrokerUnavailableError otherwise."""
        ...

    def close(self) -> None:
        """Flush what is pending and release connections."""
        ...


class KafkaPublisher:
    """Publisher on librdkafka with acks=all and idempotence."""

    def __init__(self, bootstrap: str, *, timeout_s: float = 10.0, client_id: str = "wijkbrug") -> None:
        self._bootstrap = bootstrap
        self._timeout_s = timeout_s
        self._client_id = client_id
        self._producer: _DeliveringProducer | None = None
        self._lock = threading.Lock()
        self._unreachable_until = 0.0

    def reachable(self) -> bool:
        """Whether any bootstrap address accepts connections (a cheap check, cached for a second)."""
        if time.monotonic() < self._unreachable_until:
            return False
        for address in self._bootstrap.split(","):
            host, _, port = address.strip().rpartition(":")
            if port.isdigit() and port_open(host or "127.0.0.1", int(port), timeout_s=0.5):
                return True
        self._unreachable_until = time.monotonic() + 1.0
        return False

    async def publish(self, records: Sequence[OutboundRecord]) -> None:
        if not records:
            return
        if not self.reachable():
            raise BrokerUnavailableError(f"the broker at {self._bootstrap} cannot be reached")
        loop = asyncio.get_running_loop()
        waiter = _BatchWaiter(loop, len(records))
        try:
            producer = await asyncio.wait_for(
                asyncio.to_thread(self._send_all, records, waiter), timeout=self._timeout_s
            )
        except (KafkaException, BufferError, TimeoutError, OSError) as exc:
            self._discard()
            raise BrokerUnavailableError(f"the broker did not take the records: {exc}") from exc
        try:
            await asyncio.wait_for(waiter.done, timeout=self._timeout_s)
        except TimeoutError as exc:
            self._discard(producer)
            raise BrokerUnavailableError("the broker did not acknowledge in time") from exc
        except Exception as exc:
            self._discard(producer)
            raise BrokerUnavailableError(f"the broker did not acknowledge: {exc}") from exc

    def _send_all(self, records: Sequence[OutboundRecord], waiter: _BatchWaiter) -> _DeliveringProducer:
        producer = self._ensure_producer()
        deadline = time.monotonic() + self._timeout_s
        for record in records:
            producer.produce(record, waiter.delivered, deadline)
        return producer

    def _ensure_producer(self) -> _DeliveringProducer:
        with self._lock:
            if self._producer is None:
                self._producer = _DeliveringProducer(self._config())
            return self._producer

    def _config(self) -> dict[str, Any]:
        timeout_ms = int(self._timeout_s * 1000)
        return {
            "bootstrap.servers": self._bootstrap,
            "client.id": self._client_id,
            "acks": "all",
            "enable.idempotence": True,
            "linger.ms": 5,
            "partitioner": "murmur2_random",
            "message.timeout.ms": max(timeout_ms, 1000),
            "socket.timeout.ms": max(min(5000, timeout_ms), 1000),
            "reconnect.backoff.max.ms": 1000,
            "retry.backoff.ms": 100,
            "queue.buffering.max.messages": 500_000,
            "logger": log,
            "log.connection.close": False,  # a broker closing an idle connection is routine, not an error
            "error_cb": _log_error,
            **KafkaSecurity().librdkafka_config(),
        }

    def _discard(self, producer: _DeliveringProducer | None = None) -> None:
        with self._lock:
            if self._producer is None or (producer is not None and producer is not self._producer):
                return
            stale, self._producer = self._producer, None
        threading.Thread(target=stale.close, args=(0.0,), daemon=True).start()

    def close(self) -> None:
        with self._lock:
            producer, self._producer = self._producer, None
        if producer is not None:
            producer.close(self._timeout_s)


class _DeliveringProducer:
    """A librdkafka producer and the thread that serves its delivery reports."""

    def __init__(self, config: dict[str, Any]) -> None:
        self._producer = Producer(config)
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="wijkbrug-publisher", daemon=True)
        self._thread.start()

    def produce(self, record: OutboundRecord, on_delivery: Any, deadline: float) -> None:
        """Queue `record`; while librdkafka's queue is full, wait for deliveries (until `deadline`)."""
        while True:
            try:
                self._producer.produce(
                    record.topic,
                    value=record.value,
                    key=record.key,
                    headers=list(record.headers),
                    on_delivery=on_delivery,
                )
                return
            except BufferError:
                if time.monotonic() > deadline:
                    raise
                self._producer.poll(_POLL_S)

    def _serve(self) -> None:
        while not self._closing.is_set():
            try:
                self._producer.poll(_POLL_S)
            except Exception:  # a delivery callback failed; the next reports must still be served
                log.exception("serving the producer's delivery reports failed")

    def close(self, timeout_s: float) -> None:
        """Deliver what is queued (up to `timeout_s`), then stop."""
        self._closing.set()
        self._thread.join()
        try:
            left = self._producer.flush(timeout_s)
        except Exception:
            log.debug("flushing a producer failed", exc_info=True)
            return
        if left:
            log.warning("%d record(s) were not delivered before the producer closed", left)


def _log_error(error: KafkaError) -> None:
    """librdkafka's client-level errors: a broker going away is routine, a fatal error is not."""
    if error.fatal():
        log.error("the Kafka producer failed: %s", error.str())
    else:
        log.debug("Kafka producer: %s", error.str())


class _BatchWaiter:
    """One asyncio future for a whole batch: the delivery thread counts acknowledgements and wakes the
    event loop once, when the last one arrives or the first failure does (a future and a loop wake-up
    per record cost more than producing the record)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, count: int) -> None:
        self._loop = loop
        self._left = count
        self._lock = threading.Lock()
        self.done: asyncio.Future[None] = loop.create_future()
        self.done.add_done_callback(_retrieve)

    def delivered(self, error: KafkaError | None, _message: Message) -> None:
        """librdkafka's delivery report of one record."""
        if error is not None:
            self._failed(KafkaException(error))
            return
        with self._lock:
            self._left -= 1
            last = self._left == 0
        if last:
            self._wake(None)

    def _failed(self, error: Exception) -> None:
        with self._lock:
            first = self._left > 0
            self._left = -1
        if first:
            self._wake(error)

    def _wake(self, error: Exception | None) -> None:
        # A closed loop raises RuntimeError: its sender gave up on this batch long ago.
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(self._settle, error)

    def _settle(self, error: Exception | None) -> None:
        if self.done.done():
            return
        if error is None:
            self.done.set_result(None)
        else:
            self.done.set_exception(error)


def _retrieve(future: asyncio.Future[None]) -> None:
    """Mark a failure as seen, for a batch whose sender gave up before awaiting it."""
    if not future.cancelled():
        future.exception()
