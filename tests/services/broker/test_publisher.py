"""KafkaPublisher: acknowledged records arrive intact, keys land where every other client of the hub puts
them; outages fail fast; a broker restart is survived."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiokafka.partitioner import DefaultPartitioner as AiokafkaPartitioner
from kafka.partitioner.default import murmur2

from services.broker.admin import ensure_topics
from services.broker.embedded import EmbeddedBroker
from services.broker.errors import BrokerUnavailableError
from services.broker.publisher import KafkaPublisher
from services.broker.records import OutboundRecord
from services.broker.topics import TopicSpec
from services.process.children import free_port
from tests.support.kafka_io import create_topic, read_all, unique_topic
from tests.support.waiting import eventually

pytestmark = pytest.mark.broker


@pytest.fixture
def publisher(broker_bootstrap: str) -> Iterator[KafkaPublisher]:
    instance = KafkaPublisher(broker_bootstrap, timeout_s=5.0, client_id="test-publisher")
    yield instance
    instance.close()


def test_published_records_arrive_with_key_value_and_headers(
    broker_bootstrap: str, publisher: KafkaPublisher
) -> None:
    topic = create_topic(broker_bootstrap, unique_topic("publisher"), partitions=1)
    records = [
        OutboundRecord(
            topic=topic,
            key=f"BU0363AD0{index}".encode(),
            value=f'{{"n":{index}}}'.encode(),
            headers=[("content-type", b"application/cloudevents+json"), ("x-index", str(index).encode())],
        )
        for index in range(5)
    ]
    records.append(OutboundRecord(topic=topic, key=None, value=b"no key, no headers"))

    asyncio.run(publisher.publish(records))

    read = read_all(broker_bootstrap, topic)
    assert [(r.key, r.value, r.headers) for r in read] == [
        (record.key, record.value, tuple(record.headers)) for record in records
    ]


def test_keys_land_in_the_partition_that_faust_and_kafka_python_choose(
    broker_bootstrap: str, publisher: KafkaPublisher
) -> None:
    # The processor (faust on aiokafka) and the journal replay (kafka-python) produce with the same keys
    # into the same topics: all of them must agree, or one key's events would be split over partitions.
    topic = create_topic(broker_bootstrap, unique_topic("publisher-keys"), partitions=12)
    rng = random.Random(20261123)
    keys = [b"", b"a", b"hh:abcdefgh", "loc:caf\u00e9".encode(), b"BU0363AD05"]
    keys += [rng.randbytes(rng.randrange(1, 80)) for _ in range(400)]
    records = [
        OutboundRecord(topic=topic, key=key, value=str(index).encode()) for index, key in enumerate(keys)
    ]

    asyncio.run(publisher.publish(records))

    placed = {r.value: r.partition for r in read_all(broker_bootstrap, topic)}
    partitions = list(range(12))
    for index, key in enumerate(keys):
        java = (murmur2(key) & 0x7FFFFFFF) % len(partitions)  # Java's and kafka-python's placement
        assert AiokafkaPartitioner()(key, partitions, partitions) == java
        assert placed[str(index).encode()] == java, key


def test_records_for_several_topics_in_one_call(broker_bootstrap: str, publisher: KafkaPublisher) -> None:
    first = create_topic(broker_bootstrap, unique_topic("publisher"), partitions=2)
    second = create_topic(broker_bootstrap, unique_topic("publisher"), partitions=1)
    records = [
        OutboundRecord(
            topic=first if index % 3 else second, key=f"k{index}".encode(), value=str(index).encode()
        )
        for index in range(9)
    ]

    asyncio.run(publisher.publish(records))

    for topic in (first, second):
        wanted = [record.value for record in records if record.topic == topic]
        assert sorted(r.value for r in read_all(broker_bootstrap, topic)) == sorted(wanted)


def test_publishing_nothing_is_a_no_op(publisher: KafkaPublisher) -> None:
    asyncio.run(publisher.publish([]))  # would raise if it needed a broker: see the closed-port test

    unreachable = KafkaPublisher(f"127.0.0.1:{free_port()}")
    asyncio.run(unreachable.publish([]))
    unreachable.close()


def test_a_closed_port_fails_fast() -> None:
    publisher = KafkaPublisher(f"127.0.0.1:{free_port()}", timeout_s=10.0)
    record = OutboundRecord(topic="test.publisher.nowhere", key=b"k", value=b"v")
    try:
        started = time.monotonic()
        with pytest.raises(BrokerUnavailableError, match="cannot be reached"):
            asyncio.run(publisher.publish([record]))
        assert time.monotonic() - started < 2.0
        assert not publisher.reachable()
    finally:
        publisher.close()


def test_reachable_when_any_bootstrap_address_accepts(broker_bootstrap: str) -> None:
    dead = f"127.0.0.1:{free_port()}"

    assert KafkaPublisher(f"{dead},{broker_bootstrap}").reachable()
    assert KafkaPublisher(broker_bootstrap).reachable()
    assert not KafkaPublisher(dead).reachable()


def test_the_same_publisher_publishes_again_after_a_broker_restart(tmp_path: Path) -> None:
    broker = EmbeddedBroker(log_file=tmp_path / "broker.log")
    bootstrap = broker.start()
    topic = unique_topic("publisher-restart")
    spec = TopicSpec(topic, 1)
    publisher = KafkaPublisher(bootstrap, timeout_s=3.0)
    try:
        ensure_topics(bootstrap, [spec])
        asyncio.run(publisher.publish([OutboundRecord(topic=topic, key=b"k", value=b"before")]))

        # The broker dies (tansu waits for open connections on SIGTERM; a crash is what matters here).
        assert broker.pid is not None
        os.kill(broker.pid, signal.SIGKILL)
        eventually(lambda: not broker.running(), timeout=5, what="the broker dying")
        with pytest.raises(BrokerUnavailableError):
            asyncio.run(publisher.publish([OutboundRecord(topic=topic, key=b"k", value=b"while down")]))

        assert broker.start() == bootstrap
        ensure_topics(bootstrap, [spec])
        failures: list[BrokerUnavailableError] = []

        def publish_after_restart() -> bool:
            try:
                asyncio.run(publisher.publish([OutboundRecord(topic=topic, key=b"k", value=b"after")]))
            except BrokerUnavailableError as exc:
                failures.append(exc)
                return False
            return True

        eventually(publish_after_restart, timeout=20, interval=0.2, what="publishing after the restart")

        # Until the cached "unreachable" verdict expires the publisher refuses at once; then the old
        # producer, whose id the new broker does not know, fails at most once and is replaced.
        broken = [exc for exc in failures if "cannot be reached" not in str(exc)]
        assert len(broken) <= 1, failures
        assert [r.value for r in read_all(bootstrap, topic)] == [b"after"]  # the new broker started empty
    finally:
        publisher.close()
        broker.stop()
