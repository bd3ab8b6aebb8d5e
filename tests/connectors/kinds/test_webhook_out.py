"""webhook-out: signatures, planning deliveries, configuration, and delivering decisions from the broker."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from connectors.errors import ConfigError
from connectors.kinds.webhook_delivery import (
    DECISION_TYPE,
    InvalidDecisionError,
    idempotency_key,
    parse_decision,
    plan,
)
from connectors.kinds.webhook_out import (
    WebhookOutConfig,
    WebhookOutConnector,
    target_secrets,
    webhook_out_runner,
)
from connectors.registry import load_config
from connectors.signature import sign, verify
from connectors.state_sql import SqlConnectorStateStore
from schemas.samples import sample_event
from services.broker.records import dumps
from services.broker.topics import Topology
from services.config import Settings
from services.deployment import open_deployment
from tests.support.kafka_io import committed_offsets, create_topic, produce, read_all
from tests.support.webhook_receiver import webhook_receiver

SECRET = "a-shared-secret-of-woonstad"
OTHER_SECRET = "a-shared-secret-of-the-zorg"


def _decision(instructions: list[dict[str, str]], event_id: str = "decision-7") -> dict[str, Any]:
    event = sample_event(DECISION_TYPE, org="gemeente", event_id=event_id)
    event["data"]["instructions"] = instructions
    return event


# --- signatures ---------------------------------------------------------------------------------------


def test_a_signature_verifies_with_the_same_secret_body_and_a_fresh_timestamp() -> None:
    body = b'{"id":"decision-7"}'
    header = sign(SECRET, body, 1_700_000_000)

    assert header.startswith("t=1700000000,v1=")
    assert verify(SECRET, body, header, now=1_700_000_000)
    assert verify(SECRET, body, header, now=1_700_000_000 + 300)
    assert verify(SECRET.encode(), body, header, now=1_700_000_000 - 10)


@pytest.mark.parametrize(
    ("secret", "body", "now"),
    [
        (SECRET, b'{"id":"decision-8"}', 1_700_000_000),  # tampered body
        (OTHER_SECRET, b'{"id":"decision-7"}', 1_700_000_000),  # another key
        (SECRET, b'{"id":"decision-7"}', 1_700_000_000 + 301),  # older than five minutes: a replay
        (SECRET, b'{"id":"decision-7"}', 1_700_000_000 - 301),  # too far in the future
    ],
)
def test_a_signature_is_rejected_for_a_tampered_body_another_key_or_a_stale_timestamp(
    secret: str, body: bytes, now: float
) -> None:
    header = sign(SECRET, b'{"id":"decision-7"}', 1_700_000_000)

    assert not verify(secret, body, header, now=now)


@pytest.mark.parametrize(
    "header",
    ["", "v1=abc", "t=1700000000", "t=soon,v1=abc", "t=1700000000,v1", "t=1700000000,t=1700000000,v1=ab"],
)
def test_a_malformed_signature_header_is_rejected(header: str) -> None:
    assert not verify(SECRET, b"{}", header, now=1_700_000_000)


def test_a_signature_header_with_a_rotated_key_verifies_if_any_v1_matches() -> None:
    body = b"{}"
    current = sign(SECRET, body, 1_700_000_000).split(",")[1]
    header = f"t=1700000000,v1={'0' * 64},{current}"

    assert verify(SECRET, body, header, now=1_700_000_000)


# --- planning -----------------------------------------------------------------------------------------


def test_each_organisation_with_a_target_gets_only_its_own_instructions() -> None:
    event = _decision(
        [
            {"org": "woonstad", "action": "ontruiming opschorten"},
            {"org": "politie", "action": "wijkagent informeren"},
            {"org": "woonstad", "action": "huurachterstand bevriezen"},
        ]
    )

    work = plan(event, {"woonstad": "http://w.example/hook", "zorg": "http://z.example/hook"})

    assert work.without_target == ["politie"]
    [delivery] = work.deliveries
    assert (delivery.org, delivery.url, delivery.event_id) == (
        "woonstad",
        "http://w.example/hook",
        "decision-7",
    )
    body = json.loads(delivery.body)
    assert body["data"]["instructions"] == [
        {"org": "woonstad", "action": "ontruiming opschorten"},
        {"org": "woonstad", "action": "huurachterstand bevriezen"},
    ]
    assert {key: value for key, value in body.items() if key != "data"} == {
        key: value for key, value in event.items() if key != "data"
    }
    assert plan(event, {"woonstad": "http://w.example/hook"}).deliveries[0].body == delivery.body


def test_the_idempotency_key_is_stable_per_decision_and_organisation() -> None:
    key = idempotency_key("decision-7", "woonstad")

    assert key == idempotency_key("decision-7", "woonstad")
    assert len(key) == 64
    assert key != idempotency_key("decision-7", "zorg")
    assert key != idempotency_key("decision-8", "woonstad")


def test_records_that_are_no_decision_are_skipped_and_malformed_ones_are_invalid() -> None:
    other = sample_event("nl.wijkbrug.residents.initiative.submitted")
    assert parse_decision(dumps(other)) is None
    with pytest.raises(InvalidDecisionError) as not_json:
        parse_decision(b"{not json")
    assert not_json.value.reason == "invalid_json"
    broken = _decision([{"org": "woonstad"}])
    with pytest.raises(InvalidDecisionError) as invalid:
        parse_decision(dumps(broken))
    assert invalid.value.reason == "invalid_decision"
    assert invalid.value.field == "data.instructions.0.action"


# --- configuration ------------------------------------------------------------------------------------


def _write_config(directory: Path, url: str, **extra: Any) -> Path:
    document = {
        "name": "decisions-out",
        "kind": "webhook-out",
        "org": "gemeente",
        "timeout_s": 5,
        "retry": {"initial_s": 0.05, "max_s": 0.2},
        "targets": {
            "woonstad": {"url": f"{url}/woonstad", "secret_env": "TEST_WOONSTAD_SECRET"},
            "zorg": {"url": f"{url}/zorg", "secret_env": "TEST_ZORG_SECRET"},
        },
        **extra,
    }
    path = directory / "decisions-out.yaml"
    path.write_text(json.dumps(document))  # JSON is YAML
    return path


def test_the_file_loads_as_a_webhook_out_config_and_a_missing_secret_names_its_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write_config(tmp_path, "http://127.0.0.1:1")
    config = load_config(path)
    assert isinstance(config, WebhookOutConfig)
    assert config.targets["woonstad"].secret_env == "TEST_WOONSTAD_SECRET"
    monkeypatch.setenv("TEST_WOONSTAD_SECRET", SECRET)
    monkeypatch.delenv("TEST_ZORG_SECRET", raising=False)

    with pytest.raises(ConfigError) as missing:
        target_secrets(config, str(path))

    assert missing.value.field == "targets.zorg.secret_env"
    assert SECRET not in str(missing.value)


def test_a_target_without_an_http_url_is_refused_naming_the_field(tmp_path: Path) -> None:
    path = _write_config(tmp_path, "ftp://partner")

    with pytest.raises(ConfigError) as refused:
        load_config(path)

    assert refused.value.field.startswith("targets.")
    assert refused.value.field.endswith(".url")


# --- through the broker -------------------------------------------------------------------------------


async def _run_until(connector: WebhookOutConnector, condition: Callable[[], bool], timeout: float) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(connector.run(stop))
    deadline = time.monotonic() + timeout
    try:
        while not condition():
            if task.done():
                task.result()
                raise AssertionError("the connector stopped on its own")
            if time.monotonic() > deadline:
                raise AssertionError(f"the condition did not hold within {timeout:.0f} s")
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=15)


@pytest.mark.broker
@pytest.mark.db
def test_a_decision_is_delivered_once_signed_after_two_failures_and_refusals_are_dead_lettered(
    broker_bootstrap: str, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_WOONSTAD_SECRET", SECRET)
    monkeypatch.setenv("TEST_ZORG_SECRET", OTHER_SECRET)
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        kafka_bootstrap=broker_bootstrap,
        topic_prefix=f"t{uuid.uuid4().hex[:10]}.",
        partitions_decisions=2,
    )
    topology = Topology.from_settings(settings)
    create_topic(broker_bootstrap, topology.decisions, partitions=2)
    create_topic(broker_bootstrap, topology.deadletter, partitions=1)
    event = _decision(
        [
            {"org": "woonstad", "action": "ontruiming opschorten"},
            {"org": "zorg", "action": "schuldhulp starten"},
            {"org": "politie", "action": "wijkagent informeren"},
        ],
        event_id=f"decision-{uuid.uuid4().hex[:8]}",
    )
    produce(broker_bootstrap, topology.decisions, [(b"7", dumps(event))])
    [record] = read_all(broker_bootstrap, topology.decisions)
    deployment = open_deployment(settings)
    store = SqlConnectorStateStore(deployment.sessions)

    with webhook_receiver({"/woonstad": [503, 503, 200], "/zorg": [422]}) as receiver:
        config = load_config(_write_config(tmp_path, receiver.base_url))
        connector = webhook_out_runner(tmp_path / "decisions-out.yaml", config, settings, deployment)

        def handled() -> bool:
            status = store.get("decisions-out")
            return status is not None and status.checkpoint is not None

        asyncio.run(_run_until(connector, handled, timeout=30))
        woonstad = receiver.at("/woonstad")
        zorg = receiver.at("/zorg")

    # Exactly one successful delivery, after two failures, every attempt with the same key and body.
    assert [item.status for item in woonstad] == [503, 503, 200]
    assert {item.headers["Idempotency-Key"] for item in woonstad} == {
        idempotency_key(event["id"], "woonstad")
    }
    assert {item.body for item in woonstad} == {woonstad[0].body}
    delivered = woonstad[-1]
    assert delivered.headers["Content-Type"] == "application/json"
    assert delivered.headers["Wijkbrug-Event-Id"] == event["id"]
    assert verify(SECRET, delivered.body, delivered.headers["Wijkbrug-Signature"], now=time.time())
    assert not verify(OTHER_SECRET, delivered.body, delivered.headers["Wijkbrug-Signature"], now=time.time())
    assert json.loads(delivered.body)["data"]["instructions"] == [
        {"org": "woonstad", "action": "ontruiming opschorten"}
    ]
    # A 422 is permanent: one attempt, then a dead letter with the connector and the position.
    assert [item.status for item in zorg] == [422]
    position = f"{record.topic}:{record.partition}:{record.offset}"
    letters = [
        json.loads(item.value)
        for item in read_all(broker_bootstrap, topology.deadletter)
        if json.loads(item.value)["producer"] == "connector:decisions-out"
    ]
    assert [(letter["reason"], letter["position"]) for letter in letters] == [("webhook_http_422", position)]
    assert letters[0]["record"]["data"]["instructions"] == [{"org": "zorg", "action": "schuldhulp starten"}]
    # Counters and checkpoint; the group's offset is past the record.
    status = store.get("decisions-out")
    assert status is not None
    assert (status.emitted, status.dead_lettered, status.retried) == (1, 1, 2)
    assert status.checkpoint == {
        "offsets": {f"{record.topic}:{record.partition}": record.offset + 1},
        "skipped": {"no_target": 1, "other_type": 0},
    }
    assert status.state.value == "stopped"
    commits = committed_offsets(broker_bootstrap, connector.group_id)
    assert commits.get((record.topic, record.partition)) == record.offset + 1
    deployment.close()
