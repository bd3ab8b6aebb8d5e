"""At-least-once batch consumption on aiokafka: handle a batch, then commit; never skip a batch.

Used by the stateless stages (the router and the escalation sink). The handler must be idempotent: after
a crash or a rebalance a batch may be handled again. A handler that raises is retried with backoff and
the offsets stay where they are, so an outage of a dependency (database, broker) delays but loses
nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError

from services.broker.security import KafkaSecurity

log = logging.getLogger(__name__)

Handler = Callable[[Sequence[Any]], Awaitable[None]]

#: tansu makes the first member of a new group wait about half the session timeout before it joins;
#: a short session keeps start-up and rebalances quick. Heartbeats run in the background.
SESSION_TIMEOUT_MS = 6000
HEARTBEAT_INTERVAL_MS = 1000


class _Listener(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, owner: BatchConsumer) -> None:
        self._owner = owner

    async def on_partitions_revoked(self, revoked: Any) -> None:
        self._owner.joined = False

    async def on_partitions_assigned(self, assigned: Any) -> None:
        self._owner.joined = True
        log.info("%s assigned %d partition(s)", self._owner.name, len(assigned))
        # In the background: the rebalance should not wait for the offsets the lag gauge starts from.
        self._owner.background(self._owner.note_committed(set(assigned)))


class BatchConsumer:
    """Consume `topics` (or every topic matching `pattern`) in group `group_id` into `handler`."""

    def __init__(
        self,
        *,
        name: str,
        bootstrap: str,
        group_id: str,
        handler: Handler,
        topics: Sequence[str] = (),
        pattern: str | None = None,
        max_records: int = 500,
        max_backoff_s: float = 30.0,
    ) -> None:
        if bool(topics) == bool(pattern):
            raise ValueError("give either topics or a pattern")
        self.name = name
        self._bootstrap = bootstrap
        self._group_id = group_id
        self._handler = handler
        self._topics = list(topics)
        self._pattern = pattern
        self._max_records = max_records
        self._max_backoff_s = max_backoff_s
        self._consumer: AIOKafkaConsumer | None = None
        self.joined = False
        self.handled = 0
        self._committed: dict[TopicPartition, int] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.failures = 0

    async def lag(self) -> dict[str, int]:
        """Records not yet consumed, per assigned partition ("topic/partition")."""
        consumer = self._consumer
        if consumer is None:
            return {}
        lags: dict[str, int] = {}
        for tp in consumer.assignment():
            highwater = consumer.highwater(tp)
            if highwater is None:
                continue
            try:
                position = await asyncio.wait_for(consumer.position(tp), timeout=1.0)
            except (KafkaError, TimeoutError, AssertionError):
                continue
            lags[f"{tp.topic}/{tp.partition}"] = max(0, highwater - position)
        return lags

    def background(self, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` as a task this consumer keeps a reference to until it ends."""
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def note_committed(self, partitions: Any) -> None:
        """Remember the group's committed offsets of newly assigned partitions (the lag's starting point)."""
        consumer = self._consumer
        if consumer is None:
            return
        for tp in partitions:
            try:
                committed = await asyncio.wait_for(consumer.committed(tp), timeout=2.0)
            except (KafkaError, TimeoutError):
                continue
            self._committed[tp] = committed if committed is not None else 0

    def lag_observations(self) -> list[tuple[float, dict[str, str]]]:
        """Records behind the end, per assigned partition, from the last commit (for the lag gauge)."""
        consumer = self._consumer
        if consumer is None:
            return []
        observations: list[tuple[float, dict[str, str]]] = []
        try:  # called from the metrics exporter's thread: copy what the event loop may change
            assignment, committed_offsets = list(consumer.assignment()), dict(self._committed)
        except RuntimeError:
            return observations
        for tp in assignment:
            highwater, committed = consumer.highwater(tp), committed_offsets.get(tp)
            if highwater is None or committed is None:
                continue
            labels = {"group": self._group_id, "topic": tp.topic, "partition": str(tp.partition)}
            observations.append((float(max(0, highwater - committed)), labels))
        return observations

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until `stop` is set; commits after every handled batch."""
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self._bootstrap,
            group_id=self._group_id,
            client_id=f"wijkbrug-{self.name}",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=SESSION_TIMEOUT_MS,
            heartbeat_interval_ms=HEARTBEAT_INTERVAL_MS,
            rebalance_timeout_ms=SESSION_TIMEOUT_MS,
            metadata_max_age_ms=3000,
            fetch_max_wait_ms=100,
            max_poll_interval_ms=600_000,
            **KafkaSecurity().client_kwargs(),
        )
        await self._start(consumer, stop)
        if stop.is_set():
            return
        self._consumer = consumer
        listener = _Listener(self)
        if self._pattern:
            consumer.subscribe(pattern=self._pattern, listener=listener)
        else:
            consumer.subscribe(topics=self._topics, listener=listener)
        try:
            while not stop.is_set():
                batches: dict[TopicPartition, list[Any]] = await consumer.getmany(
                    timeout_ms=200, max_records=self._max_records
                )
                if not batches:
                    continue
                records = [record for partition in batches.values() for record in partition]
                if not await self._handle(records, stop):
                    return
                await self._commit(consumer, {tp: rs[-1].offset + 1 for tp, rs in batches.items()})
        finally:
            self._consumer = None
            self.joined = False
            await consumer.stop()

    async def _start(self, consumer: AIOKafkaConsumer, stop: asyncio.Event) -> None:
        backoff = 0.5
        while not stop.is_set():
            try:
                await consumer.start()
                return
            except KafkaError as exc:
                log.warning(
                    "%s cannot reach the broker yet (%s); retrying in %.1f s", self.name, exc, backoff
                )
                await _sleep_or_stop(stop, backoff)
                backoff = min(backoff * 2, self._max_backoff_s)

    async def _handle(self, records: Sequence[Any], stop: asyncio.Event) -> bool:
        backoff = 0.5
        while True:
            try:
                await self._handler(records)
                self.handled += len(records)
                return True
            except Exception:
                self.failures += 1
                log.exception(
                    "%s could not handle a batch of %d; retrying in %.1f s (offsets not committed)",
                    self.name,
                    len(records),
                    backoff,
                )
            if await _sleep_or_stop(stop, backoff):
                return False
            backoff = min(backoff * 2, self._max_backoff_s)

    async def _commit(self, consumer: AIOKafkaConsumer, offsets: dict[TopicPartition, int]) -> None:
        try:
            await consumer.commit(offsets)
            self._committed.update(offsets)
        except (CommitFailedError, KafkaError) as exc:
            # A rebalance took the partitions away: their new owner handles the batch again (idempotent).
            log.warning("%s could not commit offsets (%s); the batch will be handled again", self.name, exc)


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> bool:
    """Sleep `seconds` unless `stop` is set first; True if stopped."""
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        return False
    return True
