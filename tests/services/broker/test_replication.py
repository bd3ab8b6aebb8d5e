"""Replication of new topics from WIJKBRUG_TOPIC_* variables."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.broker.replication import TopicReplication


def test_one_replica_and_no_topic_config_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WIJKBRUG_TOPIC_REPLICATION_FACTOR", raising=False)
    monkeypatch.delenv("WIJKBRUG_TOPIC_MIN_INSYNC_REPLICAS", raising=False)
    replication = TopicReplication()
    assert (replication.replication_factor, replication.topic_configs()) == (1, {})


def test_a_three_broker_cluster_gets_min_insync_replicas(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIJKBRUG_TOPIC_REPLICATION_FACTOR", "3")
    monkeypatch.setenv("WIJKBRUG_TOPIC_MIN_INSYNC_REPLICAS", "2")
    replication = TopicReplication()
    assert replication.replication_factor == 3
    assert replication.topic_configs() == {"min.insync.replicas": "2"}


def test_more_insync_replicas_than_replicas_is_refused() -> None:
    with pytest.raises(ValidationError, match="no write could succeed"):
        TopicReplication(replication_factor=2, min_insync_replicas=3)
