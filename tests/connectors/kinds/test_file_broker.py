"""The file connector through the runner and the real hub sink into the session broker."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from pathlib import Path

import pytest
import yaml

from connectors.assembly import source_runner
from connectors.model import State
from connectors.registry import load_config
from connectors.state_sql import SqlConnectorStateStore
from schemas.identifiers import Domain
from services.broker.admin import ensure_topics
from services.broker.topics import Topology
from services.config import Settings
from services.deployment import Deployment, open_deployment
from services.directory.sql import SqlDirectoryStore
from tests.support.file_exports import KEY, SAMPLES, drop, vera_export
from tests.support.kafka_io import read_all

pytestmark = [pytest.mark.broker, pytest.mark.db]

ROWS = 10_000
BAD = {17: "date", 5_000: "code", 9_999: "number"}


def run_once(config_file: Path, settings: Settings, deployment: Deployment) -> State:
    runner = source_runner(config_file, load_config(config_file), settings, deployment)
    return asyncio.run(runner.run(asyncio.Event(), once=True))


def test_an_export_reaches_the_inbound_and_dead_letter_topics_once(
    tmp_path: Path, database_url: str, broker_bootstrap: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WIJKBRUG_PSEUDONYM_KEY", KEY.decode())
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        kafka_bootstrap=broker_bootstrap,
        topic_prefix=f"file{uuid.uuid4().hex[:10]}",
    )
    deployment = open_deployment(settings)
    try:
        SqlDirectoryStore(deployment.sessions).add_organisation("woco", Domain.HOUSING, "Woco")
        topology = Topology.from_settings(settings)
        ensure_topics(broker_bootstrap, topology.all_specs(["woco"]))
        exports = tmp_path / "exports"
        exports.mkdir()
        secrets = vera_export(exports / "signaleringen-2026-10.csv", ROWS, BAD)
        document = yaml.safe_load((SAMPLES / "vera-signaleringen.yaml").read_text(encoding="utf-8"))
        document.update({"directory": str(exports), "on_done": "keep"})
        config_file = tmp_path / "woco-vera.yaml"
        config_file.write_text(yaml.safe_dump(document), encoding="utf-8")

        assert run_once(config_file, settings, deployment) is State.STOPPED

        inbound = read_all(broker_bootstrap, topology.inbound("woco"))
        letters = read_all(broker_bootstrap, topology.deadletter)
        assert len(inbound) == ROWS - len(BAD)
        assert len({json.loads(record.value)["id"] for record in inbound}) == ROWS - len(BAD)
        positions = sorted(json.loads(record.value)["position"] for record in letters)
        assert positions == sorted(f"signaleringen-2026-10.csv:row {n}" for n in BAD)
        assert {json.loads(record.value)["producer"] for record in letters} == {
            "connector:woco-vera-signaleringen"
        }
        status = SqlConnectorStateStore(deployment.sessions).get("woco-vera-signaleringen")
        assert status is not None and (status.emitted, status.dead_lettered) == (ROWS - len(BAD), len(BAD))

        every_value = b"".join(record.value for record in [*inbound, *letters]).decode("utf-8")
        found = set(re.findall(r"[0-9]{16}|Huurder [0-9]{6}", every_value))
        assert found & (secrets["vbo_id"] | secrets["huurder_naam"]) == set()

        drop(exports / "signaleringen-2026-10.csv", exports, "signaleringen-2026-10-opnieuw.csv")
        assert run_once(config_file, settings, deployment) is State.STOPPED
        assert len(read_all(broker_bootstrap, topology.inbound("woco"))) == ROWS - len(BAD)
        assert len(read_all(broker_bootstrap, topology.deadletter)) == len(BAD)
    finally:
        deployment.close()
