"""ensure_topics and list_topics: creation with partition counts, idempotence, mismatches, outages."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from kafka import KafkaAdminClient

from services.broker.admin import ensure_topics, list_topics
from services.broker.errors import BrokerUnavailableError, TopicMismatchError
from services.broker.topics import TopicSpec
from services.process.children import free_port
from tests.support.kafka_io import unique_topic

pytestmark = pytest.mark.broker


@pytest.fixture
def admin(broker_bootstrap: str) -> Iterator[KafkaAdminClient]:
    client = KafkaAdminClient(bootstrap_servers=broker_bootstrap, request_timeout_ms=5000)
    yield client
    client.close()


def _partition_counts(admin: KafkaAdminClient, names: list[str]) -> dict[str, int]:
    return {
        description["name"]: len(description["partitions"]) for description in admin.describe_topics(names)
    }


def test_creates_the_topics_with_their_partition_counts(
    broker_bootstrap: str, admin: KafkaAdminClient
) -> None:
    specs = [TopicSpec(unique_topic("admin"), count) for count in (1, 3, 5)]

    created = ensure_topics(broker_bootstrap, specs)

    assert sorted(created) == sorted(spec.name for spec in specs)
    assert _partition_counts(admin, created) == {spec.name: spec.partitions for spec in specs}
    assert {spec.name for spec in specs} <= list_topics(broker_bootstrap)


def test_a_second_call_creates_nothing(broker_bootstrap: str, admin: KafkaAdminClient) -> None:
    specs = [TopicSpec(unique_topic("admin"), 2), TopicSpec(unique_topic("admin"), 4)]
    ensure_topics(broker_bootstrap, specs)

    assert ensure_topics(broker_bootstrap, specs) == []
    assert _partition_counts(admin, [spec.name for spec in specs]) == {
        spec.name: spec.partitions for spec in specs
    }


def test_only_the_missing_topics_are_created(broker_bootstrap: str) -> None:
    existing = TopicSpec(unique_topic("admin"), 2)
    missing = TopicSpec(unique_topic("admin"), 3)
    ensure_topics(broker_bootstrap, [existing])

    assert ensure_topics(broker_bootstrap, [existing, missing]) == [missing.name]


@pytest.mark.parametrize("wanted", [1, 4], ids=["fewer", "more"])
def test_an_existing_topic_with_another_partition_count_is_refused(
    broker_bootstrap: str, admin: KafkaAdminClient, wanted: int
) -> None:
    name = unique_topic("admin")
    ensure_topics(broker_bootstrap, [TopicSpec(name, 2)])

    with pytest.raises(TopicMismatchError, match=rf"{name} has 2 partitions.*expects {wanted}"):
        ensure_topics(broker_bootstrap, [TopicSpec(name, wanted)])
    assert _partition_counts(admin, [name]) == {name: 2}


def test_an_unreachable_broker_fails_within_the_timeout() -> None:
    bootstrap = f"127.0.0.1:{free_port()}"  # nothing listens there
    started = time.monotonic()

    with pytest.raises(BrokerUnavailableError, match=bootstrap):
        ensure_topics(bootstrap, [TopicSpec("test.admin.never", 1)], timeout_s=1.0)

    assert time.monotonic() - started < 5.0


def test_list_topics_on_an_unreachable_broker_fails() -> None:
    with pytest.raises(BrokerUnavailableError):
        list_topics(f"127.0.0.1:{free_port()}", timeout_s=1.0)
