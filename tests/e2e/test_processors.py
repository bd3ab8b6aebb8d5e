"""The processor under stress: SIGKILLed halfway through a stream, and two workers sharing the partitions."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from tests.support.databases import DatabaseFactory
from tests.support.events import cloudevent
from tests.support.hub import Hub, start_hub
from tests.support.rule_cases import pack_scenario, processor_idle
from tests.support.waiting import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.process, pytest.mark.slow]

HOUSEHOLDS = 300
BATCH = 50


def _processors(hub: Hub) -> list[psutil.Process]:
    found = []
    for child in psutil.Process(hub.process.pid).children(recursive=True):
        try:
            if "processor" in child.cmdline():
                found.append(child)
        except psutil.Error:
            continue
    return found


@pytest.fixture(scope="module")
def own_hub(
    broker_bootstrap: str, databases: DatabaseFactory, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Hub]:
    data_dir: Path = tmp_path_factory.mktemp("restart")
    # The production store: rule state in RocksDB on disk, changelogged to the broker.
    settings = {"WIJKBRUG_STATE_STORE": "rocksdb"}
    with start_hub(
        data_dir, database_url=databases.new(), bootstrap=broker_bootstrap, extra_env=settings
    ) as hub:
        yield hub


def test_a_processor_killed_halfway_loses_and_doubles_nothing(own_hub: Hub) -> None:
    hub = own_hub
    run = uuid.uuid4().hex[:6]
    social, housing = f"team-{run}", f"corp-{run}"
    tokens = {social: hub.add_org(social, "social"), housing: hub.add_org(housing, "housing")}
    reader = hub.add_user(f"reader-{run}", "taskforce")
    subjects = [f"hh:restart-{run}-{n:04d}" for n in range(HOUSEHOLDS)]
    stream: list[tuple[str, dict[str, Any]]] = []
    for subject in subjects:  # first every household's debt assistance, then every summons
        stream.append(
            (
                social,
                cloudevent(social, "social.debt_assistance.started", subject, time="2026-05-01T08:00:00Z"),
            )
        )
    for subject in subjects:
        stream.append(
            (housing, cloudevent(housing, "housing.eviction.summoned", subject, time="2026-06-01T08:00:00Z"))
        )

    victim = _processors(hub)[0]
    halfway = threading.Event()

    def post() -> None:
        for start in range(0, len(stream), BATCH):
            chunk = stream[start : start + BATCH]
            org = chunk[0][0]
            assert all(item[0] == org for item in chunk)
            assert hub.post_events(tokens[org], [event for _, event in chunk]).status_code == 202
            if start + BATCH >= len(stream) // 2 + BATCH and not halfway.is_set():
                halfway.set()

    poster = threading.Thread(target=post)
    poster.start()
    assert halfway.wait(timeout=120)
    victim.kill()  # SIGKILL: no flush, no commit, no goodbye
    poster.join(timeout=300)

    def escalations() -> list[dict[str, Any]]:
        return [item for item in hub.escalations(reader) if item["subject"] in set(subjects)]

    found = eventually(
        escalations,
        until=lambda items: len(items) >= HOUSEHOLDS and all(len(i["evidence"]) == 2 for i in items),
        timeout=180,
        interval=1.0,
        what="every household's escalation after the processor restart",
    )
    assert sorted(item["subject"] for item in found) == sorted(subjects)  # each exactly once
    assert all(item["rule"] == "eviction-during-debt-assistance" for item in found)
    assert all(item["opened_at"] == "2026-06-01T08:00:00Z" for item in found)
    assert [p.pid for p in _processors(hub)] != [victim.pid]  # the supervisor started a new one


def test_two_workers_find_what_one_finds(
    broker_bootstrap: str, databases: DatabaseFactory, tmp_path_factory: pytest.TempPathFactory
) -> None:
    data_dir: Path = tmp_path_factory.mktemp("two-workers")
    settings = {"WIJKBRUG_PROCESSORS": "2"}
    with start_hub(
        data_dir, database_url=databases.new(), bootstrap=broker_bootstrap, extra_env=settings
    ) as hub:
        assert len(_processors(hub)) == 2
        eventually(
            lambda: hub.health()["components"]["processor"]["instances"],
            until=lambda instances: len(instances) == 2 and all(i["partitions"] > 0 for i in instances),
            timeout=60,
            what="both workers owning partitions",
        )
        scenario = pack_scenario(hub)
        scenario.post_all(hub)
        expected = scenario.expected()
        eventually(
            lambda: scenario.live(hub),
            until=lambda found: found == expected,
            timeout=90,
            what="live == backtest",
        )
        eventually(lambda: processor_idle(hub), timeout=30, what="both processors idle")
        assert scenario.live(hub) == expected
