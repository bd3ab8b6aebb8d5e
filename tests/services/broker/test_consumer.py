"""BatchConsumer: at-least-once batches, commit after success, retries without committing, patterns, stop."""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import pytest

from services.broker.admin import ensure_topics
from services.broker.consumer import BatchConsumer
from services.broker.topics import TopicSpec
from services.process.children import free_port
from tests.support.kafka_io import (
    committed_offsets,
    create_topic,
    produce,
    read_from_commits,
    unique_topic,
)

pytestmark = pytest.mark.broker

#: Generous bounds for conditions that normally hold within a few seconds on tansu.
JOIN_TIMEOUT_S = 20.0


def _group() -> str:
    return f"test-group-{uuid.uuid4().hex[:12]}"


async def _until(condition: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout:.0f} s")
        await asyncio.sleep(0.05)


def _coordinates(records: Sequence[Any]) -> list[tuple[str, int, int]]:
    return [(record.topic, record.partition, record.offset) for record in records]


class Recorder:
    """A handler that remembers every batch it saw."""

    def __init__(self, fail_first: int = 0) -> None:
        self.batches: list[list[Any]] = []
        self._fail_first = fail_first

    async def __call__(self, records: Sequence[Any]) -> None:
        self.batches.append(list(records))
        if len(self.batches) <= self._fail_first:
            raise RuntimeError(f"dependency down (call {len(self.batches)})")

    @property
    def values(self) -> list[bytes]:
        return [record.value for batch in self.batches for record in batch]


async def _consume(
    consumer: BatchConsumer, until: Callable[[], bool], *, timeout: float, what: str
) -> BatchConsumer:
    """Run `consumer` until `until()` holds, then stop it and wait for `run` to return."""
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    try:
        await _until(lambda: until() or task.done(), timeout=timeout, what=what)
        if task.done():
            task.result()  # surface an exception from run()
            raise AssertionError(f"run() returned before {what}")
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=10)
    return consumer


def test_every_record_is_handled_once_and_committed(broker_bootstrap: str) -> None:
    topic = create_topic(broker_bootstrap, unique_topic("consumer"), partitions=3)
    group = _group()
    produce(broker_bootstrap, topic, [(f"key-{n % 7}".encode(), f"v{n}".encode()) for n in range(60)])
    first = Recorder()

    consumer = asyncio.run(
        _consume(
            BatchConsumer(
                name="t1", bootstrap=broker_bootstrap, group_id=group, handler=first, topics=[topic]
            ),
            lambda: len(first.values) >= 60,
            timeout=JOIN_TIMEOUT_S,
            what="handling 60 records",
        )
    )

    handled = [record for batch in first.batches for record in batch]
    assert sorted(first.values) == sorted(f"v{n}".encode() for n in range(60))
    assert len(set(_coordinates(handled))) == len(handled) == 60
    assert consumer.handled == 60
    assert consumer.failures == 0
    commits = committed_offsets(broker_bootstrap, group)
    ends = {(topic, partition): 0 for partition in range(3)}
    for record in handled:
        ends[(record.topic, record.partition)] = max(
            ends[(record.topic, record.partition)], record.offset + 1
        )
    assert commits == ends

    # Another consumer of the same group starts from the commits: it sees only what came later.
    produce(broker_bootstrap, topic, [(b"key-late", b"late")])
    assert [record.value for record in read_from_commits(broker_bootstrap, topic, group)] == [b"late"]


def test_a_failing_handler_is_retried_with_the_same_records_and_nothing_is_committed(
    broker_bootstrap: str,
) -> None:
    topic = create_topic(broker_bootstrap, unique_topic("consumer-retry"), partitions=1)
    group = _group()
    produce(broker_bootstrap, topic, [(b"k", f"v{n}".encode()) for n in range(5)])
    commits_seen_while_failing: list[dict[tuple[str, int], int]] = []

    class FailingTwice(Recorder):
        async def __call__(self, records: Sequence[Any]) -> None:
            if len(self.batches) < 2:
                commits_seen_while_failing.append(
                    await asyncio.to_thread(committed_offsets, broker_bootstrap, group)
                )
            await super().__call__(records)

    handler = FailingTwice(fail_first=2)
    consumer = BatchConsumer(
        name="retry",
        bootstrap=broker_bootstrap,
        group_id=group,
        handler=handler,
        topics=[topic],
        max_backoff_s=1,
    )

    asyncio.run(_consume(consumer, lambda: consumer.handled >= 5, timeout=JOIN_TIMEOUT_S, what="a success"))

    assert len(handler.batches) == 3
    assert (
        _coordinates(handler.batches[0])
        == _coordinates(handler.batches[1])
        == _coordinates(handler.batches[2])
    )
    assert [record.value for record in handler.batches[2]] == [f"v{n}".encode() for n in range(5)]
    assert (consumer.failures, consumer.handled) == (2, 5)
    assert commits_seen_while_failing == [{}, {}]
    assert committed_offsets(broker_bootstrap, group) == {(topic, 0): 5}


def test_a_pattern_subscription_picks_up_a_topic_created_later(broker_bootstrap: str) -> None:
    namespace = f"test.pattern{uuid.uuid4().hex[:10]}"
    early = create_topic(broker_bootstrap, f"{namespace}.early", partitions=1)
    late = f"{namespace}.late"
    other = create_topic(broker_bootstrap, f"test.other{uuid.uuid4().hex[:10]}.early", partitions=1)
    handler = Recorder()

    async def scenario() -> None:
        consumer = BatchConsumer(
            name="pattern",
            bootstrap=broker_bootstrap,
            group_id=_group(),
            handler=handler,
            pattern=f"^{re.escape(namespace)}\\.[a-z]+$",
        )
        stop = asyncio.Event()
        task = asyncio.create_task(consumer.run(stop))
        try:
            await asyncio.to_thread(produce, broker_bootstrap, early, [(b"k", b"early")])
            await asyncio.to_thread(produce, broker_bootstrap, other, [(b"k", b"other prefix")])
            await _until(lambda: b"early" in handler.values, timeout=JOIN_TIMEOUT_S, what="the early record")
            assert consumer.joined

            await asyncio.to_thread(ensure_topics, broker_bootstrap, [TopicSpec(late, 2)])
            await asyncio.to_thread(produce, broker_bootstrap, late, [(b"k", b"late")])
            await _until(
                lambda: b"late" in handler.values, timeout=JOIN_TIMEOUT_S, what="the new topic's record"
            )
        finally:
            stop.set()
            await asyncio.wait_for(task, timeout=10)

    asyncio.run(scenario())

    assert sorted(handler.values) == [b"early", b"late"]
    assert {record.topic for batch in handler.batches for record in batch} == {early, late}


async def _noop(_records: Sequence[Any]) -> None:
    return None


async def _always_fails(_records: Sequence[Any]) -> None:
    raise RuntimeError("dependency down")


StopScenario = Callable[[str], Awaitable[tuple[BatchConsumer, Callable[[], bool]]]]


async def _idle(bootstrap: str) -> tuple[BatchConsumer, Callable[[], bool]]:
    topic = await asyncio.to_thread(create_topic, bootstrap, unique_topic("consumer-stop"), 1)
    consumer = BatchConsumer(
        name="idle", bootstrap=bootstrap, group_id=_group(), handler=_noop, topics=[topic]
    )
    return consumer, lambda: consumer.joined


async def _retrying(bootstrap: str) -> tuple[BatchConsumer, Callable[[], bool]]:
    topic = await asyncio.to_thread(create_topic, bootstrap, unique_topic("consumer-stop"), 1)
    await asyncio.to_thread(produce, bootstrap, topic, [(b"k", b"v")])
    consumer = BatchConsumer(
        name="retrying", bootstrap=bootstrap, group_id=_group(), handler=_always_fails, topics=[topic]
    )
    return consumer, lambda: consumer.failures >= 1


async def _unreachable(_bootstrap: str) -> tuple[BatchConsumer, Callable[[], bool]]:
    consumer = BatchConsumer(
        name="unreachable",
        bootstrap=f"127.0.0.1:{free_port()}",
        group_id=_group(),
        handler=_noop,
        topics=["test.consumer.nowhere"],
    )
    started = time.monotonic()
    return consumer, lambda: time.monotonic() - started > 1.0  # it keeps retrying to connect meanwhile


def test_stop_ends_run_whatever_the_consumer_is_doing(broker_bootstrap: str) -> None:
    scenarios: dict[str, StopScenario] = {
        "idle": _idle,
        "retrying a batch": _retrying,
        "broker unreachable": _unreachable,
    }

    async def stop_when_busy(scenario: StopScenario) -> float:
        consumer, busy = await scenario(broker_bootstrap)
        stop = asyncio.Event()
        task = asyncio.create_task(consumer.run(stop))
        await _until(lambda: busy() or task.done(), timeout=JOIN_TIMEOUT_S, what="the consumer getting busy")
        assert not task.done()
        stopped_at = time.monotonic()
        stop.set()
        await asyncio.wait_for(task, timeout=10)
        assert not consumer.joined
        return time.monotonic() - stopped_at

    async def all_at_once() -> list[float]:
        # Concurrently: each group join takes tansu a few seconds.
        return await asyncio.gather(*(stop_when_busy(scenario) for scenario in scenarios.values()))

    durations = dict(zip(scenarios, asyncio.run(all_at_once()), strict=True))

    assert {name: took < 3.0 for name, took in durations.items()} == dict.fromkeys(scenarios, True), durations


def test_topics_or_pattern_but_not_both() -> None:
    for topics, pattern in ((["a"], "^a$"), ([], None)):
        with pytest.raises(ValueError, match="either topics or a pattern"):
            BatchConsumer(
                name="bad",
                bootstrap="127.0.0.1:1",
                group_id="g",
                handler=_noop,
                topics=topics,
                pattern=pattern,
            )
