"""`wijkbrug up --connectors DIR` with a Signalen stand-in: reports become an escalation in the right buurt.

Three signals at one address within 30 days and no follow-up end as `report-without-followup` in the CBS
buurt of the point; a state change to `b` prevents it for another address. A killed connector restarts
and re-emits nothing; Signalen answering 503 for a while delays but loses nothing; a 401 puts the
connector in the failed state that `connector status` shows with the reason.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psutil
import pytest

from connectors.kinds.signalen_mapping import address_pseudonym
from connectors.pseudonym import Pseudonymiser
from services.broker.records import header
from tests.support.databases import DatabaseFactory
from tests.support.events import DAM, DAM_BUURT
from tests.support.hub import CLI, Hub, hub_environment, start_hub
from tests.support.kafka_io import read_all
from tests.support.rule_cases import processor_idle
from tests.support.signalen import Address, SignalenStandIn
from tests.support.waiting import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.db, pytest.mark.broker]

KEY = "e2e-pseudonymisation-key-0123456789"
RULE = "report-without-followup"
# Two addresses on the Dam, about 40 m apart: the same CBS buurt, other subjects.
A = Address(openbare_ruimte="Dam", huisnummer=1, postcode="1012JS")
B = Address(openbare_ruimte="Dam", huisnummer=20, postcode="1012NP")
B_POINT = {"lat": DAM["lat"] + 0.0004, "lon": DAM["lon"] + 0.0002}


def _connector_file(directory: Path, stand_in: SignalenStandIn) -> Path:
    directory.mkdir()
    path = directory / "signalen.yaml"
    path.write_text(
        "name: signalen-dam\n"
        "kind: signalen\n"
        "org: gemeente-e2e\n"
        f"base_url: {stand_in.url}\n"
        "token_env: E2E_SIGNALEN_TOKEN\n"
        "poll_interval: 1s\n"
        "pseudonymisation: {key_env: E2E_PSEUDONYM_KEY}\n"
        "retry: {initial_s: 0.2, max_s: 1}\n",
        encoding="utf-8",
    )
    return directory


def _status(hub: Hub) -> dict[str, Any]:
    out = subprocess.run(
        [*CLI, "connector", "status", "--json", "--data-dir", str(hub.data_dir)],
        env=hub.env,
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout
    statuses: list[dict[str, Any]] = json.loads(out)
    return statuses[0]


def _connector_process(hub: Hub) -> psutil.Process | None:
    for child in psutil.Process(hub.process.pid).children(recursive=True):
        try:
            if "connector" in child.cmdline() and "run" in child.cmdline():
                return child
        except psutil.NoSuchProcess:
            continue
    return None


@pytest.fixture
def scene(
    tmp_path: Path, databases: DatabaseFactory, broker_bootstrap: str
) -> Iterator[tuple[Hub, SignalenStandIn]]:
    now = datetime.now(UTC)
    with SignalenStandIn(token="e2e-signalen-token") as stand_in:
        lat, lon = DAM["lat"], DAM["lon"]
        for days in (26, 23, 21):  # three reports within 30 days; the 14-day deadline passed 7 days ago
            stand_in.add_signal(lat, lon, address=A, created_at=now - timedelta(days=days))
        b_ids = [
            stand_in.add_signal(B_POINT["lat"], B_POINT["lon"], address=B, created_at=now - timedelta(days=d))
            for d in (26, 23, 21)
        ]
        stand_in.set_state(b_ids[-1], "b", at=now - timedelta(days=19))  # taken into treatment in time
        data_dir = tmp_path / "hub"
        data_dir.mkdir()
        url = databases.new()
        env = {
            **hub_environment(data_dir, url, broker_bootstrap, "unused."),
            "E2E_SIGNALEN_TOKEN": "e2e-signalen-token",
            "E2E_PSEUDONYM_KEY": KEY,
        }
        subprocess.run(
            [*CLI, "org", "add", "gemeente-e2e", "--domain", "municipality", "--data-dir", str(data_dir)],
            env={k: v for k, v in env.items() if k != "WIJKBRUG_KAFKA_BOOTSTRAP"},
            check=True,
            capture_output=True,
            timeout=60,
        )
        extra = {
            "E2E_SIGNALEN_TOKEN": "e2e-signalen-token",
            "E2E_PSEUDONYM_KEY": KEY,
            "WIJKBRUG_CONNECTORS_DIR": str(_connector_file(tmp_path / "connectors", stand_in)),
        }
        with start_hub(data_dir, database_url=url, bootstrap=broker_bootstrap, extra_env=extra) as hub:
            yield hub, stand_in


def test_signalen_reports_become_an_escalation_and_the_connector_keeps_its_promises(
    scene: tuple[Hub, SignalenStandIn],
) -> None:
    hub, stand_in = scene
    reader = hub.add_user("e2e-connector-reader", "taskforce")
    pseudonymiser = Pseudonymiser(KEY.encode())
    subject_a = address_pseudonym(A.as_json(), pseudonymiser)
    subject_b = address_pseudonym(B.as_json(), pseudonymiser)
    assert subject_a is not None and subject_b is not None and subject_a != subject_b

    escalations = eventually(
        lambda: hub.escalations(reader, rule=RULE, subject=subject_a), timeout=90, what="the escalation"
    )
    assert len(escalations) == 1
    assert escalations[0]["buurt"] == DAM_BUURT
    assert len(escalations[0]["evidence"]) == 3
    eventually(lambda: processor_idle(hub), what="the processor idle")
    assert hub.escalations(reader, rule=RULE, subject=subject_b) == []

    prefix = hub.env["WIJKBRUG_TOPIC_PREFIX"]
    inbound = f"{prefix}wijkbrug.inbound.gemeente-e2e"
    bootstrap = hub.env["WIJKBRUG_KAFKA_BOOTSTRAP"]
    assert len(read_all(bootstrap, inbound)) == 7  # six reports and one status change
    assert _status(hub)["counts"]["emitted"] == 7

    # A killed connector is restarted by the supervisor and re-emits nothing.
    process = eventually(lambda: _connector_process(hub), what="the connector process")
    assert process is not None
    polls = len(stand_in.requests)
    os.kill(process.pid, signal.SIGKILL)
    eventually(
        lambda: (p := _connector_process(hub)) is not None and p.pid != process.pid, what="a new connector"
    )
    eventually(lambda: len(stand_in.requests) > polls + 1, what="the restarted connector polling")
    assert len(read_all(bootstrap, inbound)) == 7

    # Signalen answering 503 for a while delays the next report but loses nothing.
    stand_in.fail_next(4)
    stand_in.add_signal(DAM["lat"], DAM["lon"], address=A)
    eventually(lambda: len(read_all(bootstrap, inbound)) == 8, timeout=60, what="the report after the 503s")
    status = _status(hub)
    assert status["counts"]["retried"] >= 4
    # At least once: a connector killed between delivering and saving its checkpoint delivers that batch
    # again (the hub's journal drops it, as the topic shows), and counts it again.
    assert status["counts"]["emitted"] >= 8, status
    records = [json.loads(r.value) for r in read_all(bootstrap, inbound)]
    assert all("Dam 1" not in json.dumps(record) for record in records)  # the address never leaves
    assert all(header(r.headers, "content-type") for r in read_all(bootstrap, inbound))

    # A revoked token (401) fails the connector, with the reason; it is not restarted in a loop.
    stand_in.refuse_tokens()
    failed = eventually(
        lambda: _status(hub), until=lambda s: s["state"] == "failed", timeout=60, what="the failed state"
    )
    assert "401" in failed["last_error"]
    assert _connector_process(hub) is None

    # Once the partner fixed the credential, `connector restart` brings it back under the supervisor.
    stand_in.refuse_tokens(False)
    subprocess.run(
        [*CLI, "connector", "restart", "signalen-dam", "--data-dir", str(hub.data_dir)],
        env=hub.env,
        check=True,
        capture_output=True,
        timeout=60,
    )
    eventually(lambda: _connector_process(hub), timeout=30, what="the connector restarted")
    eventually(
        lambda: _status(hub), until=lambda s: s["state"] == "running", timeout=60, what="the running state"
    )
    assert len(read_all(bootstrap, inbound)) == 8
