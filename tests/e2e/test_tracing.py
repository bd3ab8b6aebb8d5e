"""One trace per event from the gateway to the sink: the traceparent header links the Kafka records."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from kafka import KafkaConsumer, TopicPartition

from services.broker.records import header
from tests.support.events import cloudevent, new_subject
from tests.support.hub import Hub
from tests.support.waiting import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.db]


def _records(bootstrap: str, topic: str) -> list[Any]:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, consumer_timeout_ms=1000)
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        return list(consumer)
    finally:
        consumer.close()


def _trace(record: Any) -> tuple[str, str]:
    traceparent = header(record.headers, "traceparent")
    assert traceparent is not None, f"no traceparent on {record.topic}"
    _, trace_id, span_id, _ = traceparent.split("-")
    return trace_id, span_id


def test_the_traceparent_travels_from_ingest_to_the_escalation(hub: Hub) -> None:
    suffix = uuid.uuid4().hex[:6]
    housing, social = f"trace-corp-{suffix}", f"trace-team-{suffix}"
    housing_token, social_token = hub.add_org(housing, "housing"), hub.add_org(social, "social")
    reader = hub.add_user(f"trace-reader-{suffix}", "taskforce")
    subject = new_subject()
    debt = cloudevent(social, "social.debt_assistance.started", subject, time="2026-07-01T08:00:00Z")
    eviction = cloudevent(housing, "housing.eviction.summoned", subject, time="2026-07-09T08:00:00Z")
    bootstrap, prefix = hub.env["WIJKBRUG_KAFKA_BOOTSTRAP"], hub.env["WIJKBRUG_TOPIC_PREFIX"]
    assert hub.post_events(social_token, debt).status_code == 202
    # The eviction must complete the clash: send it once the debt assistance is on buurt.events (the
    # router may discover a new inbound topic late, so "no lag" is no proof that it has been routed).
    eventually(
        lambda: any(
            json.loads(r.value).get("id") == debt["id"] for r in _records(bootstrap, f"{prefix}buurt.events")
        ),
        what="the debt assistance routed",
    )
    assert hub.post_events(housing_token, eviction).status_code == 202
    eventually(lambda: hub.escalations(reader, subject=subject), what="the escalation")

    inbound = [
        r
        for r in _records(bootstrap, f"{prefix}wijkbrug.inbound.{housing}")
        if json.loads(r.value).get("id") == eviction["id"]
    ]
    routed = [
        r
        for r in _records(bootstrap, f"{prefix}buurt.events")
        if json.loads(r.value).get("id") == eviction["id"]
    ]
    escalated = [
        r
        for r in _records(bootstrap, f"{prefix}buurt.escalations")
        if json.loads(r.value)["subject"] == subject
    ]
    assert len(inbound) == 1 and len(routed) == 1 and len(escalated) == 1

    trace_in, span_in = _trace(inbound[0])
    trace_routed, span_routed = _trace(routed[0])
    trace_escalated, span_escalated = _trace(escalated[0])
    # The eviction completed the clash: its trace continues through routing into the escalation.
    assert trace_in == trace_routed == trace_escalated
    assert len({span_in, span_routed, span_escalated}) == 3

    debt_inbound = [
        r
        for r in _records(bootstrap, f"{prefix}wijkbrug.inbound.{social}")
        if json.loads(r.value).get("id") == debt["id"]
    ]
    assert _trace(debt_inbound[0])[0] != trace_in  # every event has a trace of its own
