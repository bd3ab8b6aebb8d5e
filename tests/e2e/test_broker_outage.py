"""The broker goes away during a test: the gateway answers 503, accepts again when it is back, and
nothing that was 202-accepted is lost (the embedded broker is refilled from the ingest journal)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import psutil
import pytest
import yaml

from tests.support.databases import DatabaseFactory
from tests.support.events import cloudevent, new_subject
from tests.support.file_exports import KEY, SAMPLES, settle, vera_export
from tests.support.hub import CLI, Hub, start_hub
from tests.support.kafka_io import read_all
from tests.support.waiting import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.process, pytest.mark.slow]

ROWS = 300


@dataclass
class Deployment:
    hub: Hub
    housing: str
    social: str
    reader: str


@pytest.fixture(scope="module")
def embedded(databases: DatabaseFactory, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """A `wijkbrug up` with its own embedded broker (not the session's), so the test may break it."""
    data_dir: Path = tmp_path_factory.mktemp("outage")
    settings = {"WIJKBRUG_PRODUCE_TIMEOUT_S": "3"}
    with start_hub(data_dir, database_url=databases.new(), bootstrap=None, extra_env=settings) as hub:
        yield Deployment(
            hub=hub,
            housing=hub.add_org("corp", "housing"),
            social=hub.add_org("wijkteam", "social"),
            reader=hub.add_user("lezer", "taskforce"),
        )


def _broker(hub: Hub) -> psutil.Process:
    children = psutil.Process(hub.process.pid).children(recursive=True)
    brokers = [child for child in children if child.name().startswith("tansu")]
    assert len(brokers) == 1, [child.name() for child in children]
    return brokers[0]


def _clash(subject: str) -> tuple[dict[str, object], dict[str, object]]:
    debt = cloudevent("wijkteam", "social.debt_assistance.started", subject, time="2026-08-01T09:00:00Z")
    eviction = cloudevent(
        "corp",
        "housing.eviction.summoned",
        subject,
        time="2026-08-15T09:00:00Z",
        data={"court_date": "2026-10-01"},
    )
    return debt, eviction


def _post_until_accepted(deployment: Deployment, token: str, event: dict[str, object]) -> None:
    """Send as a partner would: on 503, retry (Retry-After) until accepted; any other answer fails."""
    status = eventually(
        lambda: deployment.hub.post_events(token, event).status_code,
        until=lambda status: status != 503,
        timeout=90,
        interval=0.5,
        what="acceptance after 503",
    )
    assert status == 202


def test_a_frozen_broker_means_503_with_retry_after_then_acceptance(embedded: Deployment) -> None:
    broker = _broker(embedded.hub)
    event = cloudevent(
        "corp", "housing.arrears.signalled", new_subject(), data={"months_in_arrears": 1, "amount_eur": 9.5}
    )
    os.kill(broker.pid, signal.SIGSTOP)
    try:
        response = embedded.hub.post_events(embedded.housing, event)
        assert response.status_code == 503, response.text
        assert response.headers["Retry-After"].isdigit()
        assert response.json()["error"] == "unavailable"
        assert "broker" in response.json()["message"]
    finally:
        os.kill(broker.pid, signal.SIGCONT)

    _post_until_accepted(embedded, embedded.housing, event)
    assert embedded.hub.post_events(embedded.housing, event).json() == {"accepted": [event["id"]]}


def test_a_dead_broker_loses_nothing_that_was_accepted(embedded: Deployment) -> None:
    hub = embedded.hub
    # With the processor frozen, accepted events exist only in the broker (and the journal).
    processor = hub.service("processor")
    processor.suspend()
    before = [new_subject() for _ in range(5)]
    try:
        for subject in before:
            debt, eviction = _clash(subject)
            assert hub.post_events(embedded.social, debt).status_code == 202
            assert hub.post_events(embedded.housing, eviction).status_code == 202
        assert not {item["subject"] for item in hub.escalations(embedded.reader)} & set(before)

        # The in-memory broker dies and loses everything it held.
        broker = _broker(hub)
        broker.kill()
        broker.wait(timeout=10)
    finally:
        processor.resume()

    after = [new_subject() for _ in range(3)]
    for subject in after:
        debt, eviction = _clash(subject)
        _post_until_accepted(embedded, embedded.social, debt)
        _post_until_accepted(embedded, embedded.housing, eviction)

    expected = set(before) | set(after)
    found = eventually(
        lambda: hub.escalations(embedded.reader),
        until=lambda items: expected <= {item["subject"] for item in items},
        timeout=120,
        interval=0.5,
        what="every accepted clash to be escalated after the broker restart",
    )
    mine = [item for item in found if item["subject"] in expected]
    assert sorted(item["subject"] for item in mine) == sorted(expected)  # exactly once each
    assert all(len(item["evidence"]) == 2 for item in mine)
    assert _broker(hub).pid != broker.pid
    assert "restarting it and refilling it from the journal" in (hub.data_dir / "up.log").read_text()


def test_a_connector_busy_during_a_broker_outage_retries_and_delivers_everything(
    embedded: Deployment, tmp_path: Path
) -> None:
    hub = embedded.hub
    hub.add_org("woco", "housing")
    exports = tmp_path / "exports"
    exports.mkdir()
    export = exports / "signaleringen-2026-11.csv"
    vera_export(export, ROWS)
    settle(export)
    document = yaml.safe_load((SAMPLES / "vera-signaleringen.yaml").read_text(encoding="utf-8"))
    document.update({"directory": str(exports), "on_done": "keep", "batch_rows": 100})
    config = tmp_path / "woco-vera.yaml"
    config.write_text(yaml.safe_dump(document), encoding="utf-8")

    broker = _broker(hub)
    os.kill(broker.pid, signal.SIGSTOP)
    env = {**hub.env, "WIJKBRUG_PSEUDONYM_KEY": KEY.decode(), "WIJKBRUG_PRODUCE_TIMEOUT_S": "2"}
    connector = subprocess.Popen(
        [*CLI, "connector", "run", str(config), "--once", "--data-dir", str(hub.data_dir)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        eventually(
            partial(_connector_status, hub, "woco-vera-signaleringen"),
            until=lambda status: status.get("state") == "retrying",
            timeout=60,
            what="the connector retrying while the broker is frozen",
        )
        # The gateway, busy at the same time, answers 503 rather than accepting what it cannot deliver.
        arrears = cloudevent(
            "corp",
            "housing.arrears.signalled",
            new_subject(),
            data={"months_in_arrears": 1, "amount_eur": 9.5},
        )
        refused = hub.post_events(embedded.housing, arrears)
        assert refused.status_code == 503, refused.text
    finally:
        os.kill(broker.pid, signal.SIGCONT)
    output, _ = connector.communicate(timeout=120)
    assert connector.returncode == 0, output.decode(errors="replace")

    status = _connector_status(hub, "woco-vera-signaleringen")
    assert (status["state"], status["counts"]["emitted"]) == ("stopped", ROWS)
    assert status["counts"]["retried"] >= 1
    bootstrap = json.loads((hub.data_dir / "run" / "broker.json").read_text())["bootstrap"]
    inbound = read_all(bootstrap, f"{hub.env['WIJKBRUG_TOPIC_PREFIX']}wijkbrug.inbound.woco")
    assert len({json.loads(record.value)["id"] for record in inbound}) == ROWS  # every row, none lost


def _connector_status(hub: Hub, name: str) -> dict[str, Any]:
    result = hub.cli("connector", "status", name, "--json", check=False)
    if result.returncode != 0 or not result.stdout.strip():
        return {}
    (status,) = json.loads(result.stdout)
    return dict(status)
