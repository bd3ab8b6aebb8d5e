"""The check pool: the same verdicts as in the caller's process, worked out in a worker process."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from services.geo.registry import BuurtRegistry
from services.geo.shipped import load_shipped_buurten
from services.ingest.check import check_events
from services.ingest.pool import CheckPool, CheckPoolBrokenError, pack_verdict, unpack_verdict
from tests.services.ingest.test_admission import GEMEENTE, NOW, UTRECHT_DOM, WOONSTAD, raw_event
from tests.support.events import DAM

TOPIC = "wijkbrug.inbound.woonstad"
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


@pytest.fixture(scope="module")
def registry() -> BuurtRegistry:
    return BuurtRegistry(load_shipped_buurten())


@pytest.fixture(scope="module")
def pool(registry: BuurtRegistry) -> Iterator[CheckPool]:
    pool = CheckPool(registry, processes=1, min_batch=2)
    yield pool
    pool.close()


def mixed_batch() -> list[Any]:
    return [
        raw_event(WOONSTAD, "housing.eviction.summoned", id="a"),
        raw_event(GEMEENTE, "housing.eviction.summoned", id="b"),  # another source
        raw_event(WOONSTAD, "housing.nuisance.reported", buurt=None, location=DAM, id="c"),
        raw_event(WOONSTAD, "housing.nuisance.reported", buurt=None, location=UTRECHT_DOM, id="d"),
        raw_event(WOONSTAD, "housing.eviction.summoned", id="e", traceparent=TRACEPARENT),
        "not an event",
    ]


def test_verdicts_from_the_worker_are_the_callers_own(pool: CheckPool, registry: BuurtRegistry) -> None:
    events = mixed_batch()
    here = check_events(events, WOONSTAD, registry=registry, topic=TOPIC, now=NOW)
    there = asyncio.run(pool.check(events, WOONSTAD, topic=TOPIC, now=NOW))
    assert there == here
    assert [verdict.event is not None for verdict in there] == [True, False, True, False, True, False]
    assert pool.started


def test_packing_keeps_every_field(registry: BuurtRegistry) -> None:
    verdicts = check_events(mixed_batch(), WOONSTAD, registry=registry, topic=TOPIC, now=NOW)
    assert [unpack_verdict(pack_verdict(verdict), WOONSTAD, TOPIC) for verdict in verdicts] == verdicts


def test_small_batches_stay_in_the_callers_process(registry: BuurtRegistry) -> None:
    pool = CheckPool(registry, min_batch=1000)
    assert (pool.takes(999), pool.takes(1000)) == (False, True)
    assert not pool.started
    pool.close()


def test_a_dead_worker_fails_its_batch_and_the_next_batch_gets_a_new_one(registry: BuurtRegistry) -> None:
    pool = CheckPool(registry, processes=1, min_batch=1)
    events = mixed_batch()
    try:
        assert len(asyncio.run(pool.check(events, WOONSTAD, topic=TOPIC, now=NOW))) == len(events)
        executor = pool._executor
        assert executor is not None
        for process in list(executor._processes.values()):
            process.kill()
            process.join(timeout=10)
        with pytest.raises(CheckPoolBrokenError, match="died"):
            asyncio.run(pool.check(events, WOONSTAD, topic=TOPIC, now=NOW))
        assert not pool.started
        assert len(asyncio.run(pool.check(events, WOONSTAD, topic=TOPIC, now=NOW))) == len(events)
    finally:
        pool.close()


def test_a_pool_needs_a_process(registry: BuurtRegistry) -> None:
    with pytest.raises(ValueError, match="at least one"):
        CheckPool(registry, processes=0, min_batch=1)


PARENT = """
import asyncio, os, sys
from services.geo.registry import BuurtRegistry
from services.geo.shipped import load_shipped_buurten
from services.ingest.pool import CheckPool
from tests.services.ingest.test_admission import NOW, WOONSTAD, raw_event

pool = CheckPool(BuurtRegistry(load_shipped_buurten()), processes=1, min_batch=1)
asyncio.run(pool.check([raw_event(WOONSTAD, "housing.eviction.summoned")], WOONSTAD, topic="t", now=NOW))
print(*(process.pid for process in pool._executor._processes.values()), flush=True)
sys.stdin.read()
"""


def test_a_worker_ends_when_its_parent_is_killed() -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=Path(__file__).resolve().parents[3],
        text=True,
    )
    try:
        assert parent.stdout is not None
        worker = psutil.Process(int(parent.stdout.readline()))
        assert worker.is_running()
        parent.kill()  # no shutdown runs: the executor never tells its worker to stop
        parent.wait(timeout=30)
        worker.wait(timeout=30)  # psutil.TimeoutExpired if the worker were left behind
    finally:
        if parent.poll() is None:
            parent.kill()
