"""Producing and reading back records in broker tests, without consumer groups (tansu-friendly).

Reading uses manual partition assignment: no group coordination, so no join delays and no hangs.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition

from services.broker.admin import ensure_topics
from services.broker.topics import TopicSpec
from tests.support.waiting import eventually


@dataclass(frozen=True)
class ReadRecord:
    """A record as read back from the broker."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: tuple[tuple[str, bytes], ...]


def unique_topic(label: str) -> str:
    """A topic name no other test uses."""
    return f"test.{label}.{uuid.uuid4().hex[:12]}"


def create_topic(bootstrap: str, name: str, partitions: int = 1) -> str:
    """Create `name` before any client touches it (tansu would auto-create it with its own count)."""
    ensure_topics(bootstrap, [TopicSpec(name, partitions)])
    return name


def produce(bootstrap: str, topic: str, items: Iterable[tuple[bytes | None, bytes]]) -> None:
    """Produce (key, value) pairs and wait for every acknowledgement."""
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=0)
    try:
        deliveries = [producer.send(topic, key=key, value=value) for key, value in items]
        producer.flush(timeout=10)
        for delivery in deliveries:
            delivery.get(timeout=10)
    finally:
        producer.close(timeout=5)


def read_all(bootstrap: str, topic: str, *, timeout: float = 15.0) -> list[ReadRecord]:
    """Every record of `topic` up to its current end offsets, partition by partition, in offset order."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=100,
    )
    try:
        return _drain(consumer, topic, timeout, from_beginning=True)
    finally:
        consumer.close()


def _drain(consumer: KafkaConsumer, topic: str, timeout: float, *, from_beginning: bool) -> list[ReadRecord]:
    """Assign every partition of `topic` and read up to the end offsets of this moment."""
    partitions = eventually(
        lambda: consumer.partitions_for_topic(topic), timeout=timeout, what=f"metadata of {topic}"
    )
    assignment = [TopicPartition(topic, partition) for partition in sorted(partitions)]
    consumer.assign(assignment)
    if from_beginning:
        consumer.seek_to_beginning(*assignment)
    ends: dict[TopicPartition, int] = consumer.end_offsets(assignment)
    collected: list[ReadRecord] = []

    def poll() -> bool:
        # Done only when every position has reached its end offset *and* a poll returned nothing: the
        # client may advance a position past records it has fetched but not yet handed out.
        batches = consumer.poll(timeout_ms=200).values()
        for batch in batches:
            collected.extend(
                ReadRecord(
                    topic=message.topic,
                    partition=message.partition,
                    offset=message.offset,
                    key=message.key,
                    value=message.value,
                    headers=tuple((name, bytes(value)) for name, value in message.headers),
                )
                for message in batch
            )
        return not any(batches) and all(consumer.position(tp) >= ends[tp] for tp in assignment)

    eventually(poll, timeout=timeout, interval=0.0, what=f"reading {topic} to its end")
    return sorted(collected, key=lambda record: (record.partition, record.offset))


def committed_offsets(bootstrap: str, group_id: str) -> dict[tuple[str, int], int]:
    """The offsets `group_id` committed, per (topic, partition); empty if it committed nothing."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    try:
        offsets = admin.list_group_offsets(group_id)[group_id]
    finally:
        admin.close()
    return {(tp.topic, tp.partition): int(meta.offset) for tp, meta in offsets.items() if meta.offset >= 0}


def read_from_commits(
    bootstrap: str, topic: str, group_id: str, *, timeout: float = 15.0
) -> list[ReadRecord]:
    """What a consumer of `group_id` gets next: from its committed offsets (earliest where none) to the end.

    The partitions are assigned by hand, so the group is not joined (no rebalance, no join delay); the
    positions still come from the group's commits.
    """
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=100,
    )
    try:
        return _drain(consumer, topic, timeout, from_beginning=False)
    finally:
        consumer.close()
