"""Producing records with acks=all and an idempotent producer, awaitable from asyncio.

kafka-python's producer is thread-based: `send()` may block while it fetches metadata, and delivery
results arrive on its I/O thread. The publisher calls `send()` in a worker thread and bridges the
delivery futures to asyncio, so an HTTP request waits for the broker's acknowledgement without holding
a thread. A producer that failed is discarded and rebuilt: after a broker restart an idempotent
producer's id is unknown to the new broker and it would fail forever.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Sequence
from typing import Any, Protocol

from kafka import KafkaProducer
from kafka.errors import KafkaError

from services.broker.errors import BrokerUnavailableError
from services.broker.partitioner import Murmur2Partitioner
from services.broker.records import OutboundRecord
from services.broker.security import KafkaSecurity
from services.process.children import port_open

log = logging.getLogger(__name__)


class Publisher(Protocol):
    """Something that gets records acknowledged by the broker."""

    async def publish(self, records: Sequence[OutboundRecord]) -> None:
        """Return once every record is acknowledged; raise BrokerUnavailableError otherwise."""
        ...

    def close(self) -> None:
        """Flush what is pending and release connections."""
        ...


class KafkaPublisher:
    """Publisher on kafka-python with acks=all and idempotence."""

    def __init__(self, bootstrap: str, *, timeout_s: float = 10.0, client_id: str = "wijkbrug") -> None:
        self._bootstrap = bootstrap
        self._timeout_s = timeout_s
        self._client_id = client_id
        self._producer: KafkaProducer | None = None
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
        except (KafkaError, TimeoutError, OSError) as exc:
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

    def _send_all(self, records: Sequence[OutboundRecord], waiter: _BatchWaiter) -> KafkaProducer:
        producer = self._ensure_producer()
        for record in records:
            delivery = producer.send(
                record.topic, value=record.value, key=record.key, headers=list(record.headers)
            )
            delivery.add_callback(waiter.acknowledged)
            delivery.add_errback(waiter.failed)
        return producer

    def _ensure_producer(self) -> KafkaProducer:
        with self._lock:
            if self._producer is None:
                timeout_ms = int(self._timeout_s * 1000)
                self._producer = KafkaProducer(
                    bootstrap_servers=self._bootstrap,
                    client_id=self._client_id,
                    acks="all",
                    enable_idempotence=True,
                    linger_ms=5,
                    batch_size=256 * 1024,
                    max_block_ms=min(5000, timeout_ms),
                    request_timeout_ms=min(5000, timeout_ms),
                    delivery_timeout_ms=max(timeout_ms, 5000 + 5),
                    reconnect_backoff_max_ms=1000,
                    retry_backoff_ms=100,
                    partitioner=Murmur2Partitioner(),
                    **KafkaSecurity().client_kwargs(),
                )
            return self._producer

    def _discard(self, producer: KafkaProducer | None = None) -> None:
        with self._lock:
            if self._producer is None or (producer is not None and producer is not self._producer):
                return
            stale, self._producer = self._producer, None
        threading.Thread(target=_close_quietly, args=(stale,), daemon=True).start()

    def close(self) -> None:
        with self._lock:
            producer, self._producer = self._producer, None
        if producer is not None:
            _close_quietly(producer, timeout_s=self._timeout_s)


def _close_quietly(producer: KafkaProducer, timeout_s: float = 0.0) -> None:
    try:
        producer.close(timeout=timeout_s)
    except Exception:
        log.debug("closing a discarded producer failed", exc_info=True)


class _BatchWaiter:
    """One asyncio future for a whole batch: the producer's I/O thread counts acknowledgements and wakes
    the event loop once, when the last one arrives or the first failure does (a future and a loop
    wake-up per record cost more than producing the record)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, count: int) -> None:
        self._loop = loop
        self._left = count
        self._lock = threading.Lock()
        self.done: asyncio.Future[None] = loop.create_future()
        self.done.add_done_callback(_retrieve)

    def acknowledged(self, _metadata: Any) -> None:
        with self._lock:
            self._left -= 1
            last = self._left == 0
        if last:
            self._loop.call_soon_threadsafe(self._settle, None)

    def failed(self, error: BaseException) -> None:
        with self._lock:
            first = self._left > 0
            self._left = -1
        if first:
            failure = error if isinstance(error, Exception) else KafkaError(str(error))
            self._loop.call_soon_threadsafe(self._settle, failure)

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
