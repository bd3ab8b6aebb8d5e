"""Kafka's key partitioning with the hash in C: the same partitions as kafka-python's own partitioner."""

from __future__ import annotations

import random
from typing import Any

import pytest
from kafka.partitioner.default import DefaultPartitioner, murmur2

from services.broker.partitioner import Murmur2Partitioner, kafka_murmur2


class Cluster:
    """The part of kafka-python's ClusterMetadata that a partitioner reads."""

    def __init__(self, partitions: dict[str, set[int]], available: set[int] | None = None) -> None:
        self._partitions = partitions
        self._available = available

    def topics(self) -> set[str]:
        return set(self._partitions)

    def partitions_for_topic(self, topic: str) -> set[int]:
        return self._partitions[topic]

    def available_partitions_for_topic(self, topic: str) -> set[int]:
        return self._partitions[topic] if self._available is None else self._available


def _keys(count: int) -> list[bytes]:
    rng = random.Random(20261123)
    fixed = [b"", b"a", b"hh:abcdefgh", "loc:café".encode(), b"BU0363AD05"]
    return fixed + [rng.randbytes(rng.randrange(0, 80)) for _ in range(count)]


def test_the_hash_is_kafkas_murmur2() -> None:
    for key in _keys(5000):
        assert kafka_murmur2(key) == murmur2(key), key


@pytest.mark.parametrize("partitions", [1, 2, 3, 12])
def test_a_key_lands_where_the_default_partitioner_puts_it(partitions: int) -> None:
    cluster = Cluster({"t": set(range(partitions))})
    ours, theirs = Murmur2Partitioner(), DefaultPartitioner()

    chosen = [ours.partition("t", None, key, None, None, cluster) for key in _keys(2000)]

    assert chosen == [theirs.partition("t", None, key, None, None, cluster) for key in _keys(2000)]
    assert set(chosen) == set(range(partitions)), "keys spread over every partition"


def test_a_record_without_a_key_goes_to_an_available_partition() -> None:
    cluster = Cluster({"t": {0, 1, 2, 3}}, available={2})

    assert {Murmur2Partitioner().partition("t", None, None, None, None, cluster) for _ in range(50)} == {2}


def test_an_unknown_topic_is_an_error() -> None:
    cluster: Any = Cluster({"t": {0}})

    with pytest.raises(ValueError, match="other"):
        Murmur2Partitioner().partition("other", None, b"k", None, None, cluster)
