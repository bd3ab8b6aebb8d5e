"""Checking large batches of events in worker processes, beside the process that reads and writes them.

Checking an event (contract validation, BSN guard, buurt, canonical JSON, content hash) is pure Python
work under one interpreter lock, and a connector reading a backfill spends most of its time there. With
the checks in a worker process, the connector's own process reads the next rows and journals and produces
the previous batch meanwhile (its runner keeps a batch in each stage), so a second core is put to work.

Workers are started on first use with `spawn` (the caller already runs threads: the Kafka client's and
the database pool's, which a fork would copy in an unknown state); each gets the buurt registry once and
tunes its garbage collector as a connector does (`services.process.gc_tuning`).
A worker that dies (killed, out of memory) fails the batches it had as `CheckPoolBrokenError`; the
next batch starts a new pool. A worker whose parent dies ends too.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import pickle
import threading
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime
from multiprocessing.connection import wait
from typing import Any

from services.directory.model import Organisation
from services.errors import UnavailableError
from services.geo.model import Buurt
from services.geo.registry import BuurtRegistry
from services.ingest.check import CheckedEvent, Verdict, check_events
from services.journal.model import JournalRecord
from services.process.gc_tuning import tune_for_batches


class CheckPoolBrokenError(UnavailableError):
    """A worker process of the check pool died; the batches it had were not checked."""


#: The worker process's own registry, set once by `_start_worker` (None in the caller's process).
_worker_registry: BuurtRegistry | None = None


def _start_worker(buurten: list[Buurt]) -> None:
    global _worker_registry  # the state of a worker process, set once when it starts
    _worker_registry = BuurtRegistry(buurten)
    tune_for_batches()
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with, args=(parent.sentinel,), daemon=True).start()


def _exit_with(parent_sentinel: int) -> None:
    """End this worker when its parent is gone, however it went (a SIGKILL runs no shutdown): the
    executor's queue would otherwise keep it waiting for work forever."""
    wait([parent_sentinel])
    os._exit(0)


PackedVerdict = tuple[str, str, str, str, str, str | None] | Verdict
"""A verdict as it travels back: an admitted event as a tuple of its record's own strings (several times
cheaper to pickle than the dataclasses; source, organisation and topic are the caller's), a refusal as
it is."""


def pack_verdict(verdict: Verdict) -> PackedVerdict:
    event = verdict.event
    if event is None:
        return verdict
    record = event.record
    return (record.event_id, record.type, record.content_hash, record.key, record.record, event.traceparent)


def unpack_verdict(packed: PackedVerdict, org: Organisation, topic: str) -> Verdict:
    if isinstance(packed, Verdict):
        return packed
    event_id, type_name, content_hash, key, record, traceparent = packed
    journal_record = JournalRecord(
        source=org.source,
        event_id=event_id,
        org_slug=org.slug,
        type=type_name,
        content_hash=content_hash,
        topic=topic,
        key=key,
        record=record,
    )
    return Verdict(CheckedEvent(journal_record, traceparent))


def _ready() -> None:
    """Nothing: submitted once per process, so that the pool starts its processes."""


def _check_in_worker(batch: bytes) -> list[PackedVerdict]:
    if _worker_registry is None:
        raise RuntimeError("the check worker was not started with a buurt registry")
    # The pickle comes from this worker's own parent process (CheckPool.check).
    events, org, topic, now = pickle.loads(batch)  # noqa: S301
    verdicts = check_events(events, org, registry=_worker_registry, topic=topic, now=now)
    return [pack_verdict(verdict) for verdict in verdicts]


class CheckPool:
    """Worker processes that check batches of events with the deployment's buurt registry."""

    def __init__(self, registry: BuurtRegistry, *, processes: int = 1, min_batch: int) -> None:
        if processes < 1:
            raise ValueError("a check pool needs at least one process")
        self._buurten = list(registry)
        self._processes = processes
        self.min_batch = min_batch
        self._executor: ProcessPoolExecutor | None = None
        self._starting = asyncio.Lock()

    @property
    def started(self) -> bool:
        """Whether the worker processes run (they start with the first batch handed over)."""
        return self._executor is not None

    def takes(self, count: int) -> bool:
        """Whether a batch of `count` events is worth checking in a worker (at least `min_batch`:
        handing a smaller one over would cost more than it saves)."""
        return count >= self.min_batch

    async def check(
        self, events: Sequence[Any], org: Organisation, *, topic: str, now: datetime
    ) -> list[Verdict]:
        """The verdicts on `events` (as `check_events` gives them), worked out in a worker process."""
        executor = self._executor or await self._started()
        # Pickled here, not later in the executor's feeder thread: by then the caller may have changed
        # what it passed (an organisation computes its `source` on first use, a connector reuses a dict).
        batch = pickle.dumps((list(events), org, topic, now), protocol=pickle.HIGHEST_PROTOCOL)
        loop = asyncio.get_running_loop()
        try:
            packed = await loop.run_in_executor(executor, _check_in_worker, batch)
        except BrokenProcessPool as exc:
            if self._executor is executor:
                self._executor = None
                executor.shutdown(wait=False, cancel_futures=True)
            raise CheckPoolBrokenError(f"a check worker process died: {exc}") from exc
        return [unpack_verdict(item, org, topic) for item in packed]

    async def _started(self) -> ProcessPoolExecutor:
        """The executor, its processes started in a thread: a spawned process reads its start-up data
        (the registry among it) while it imports, and the caller's event loop must not wait for that."""
        async with self._starting:
            if self._executor is None:
                self._executor = await asyncio.to_thread(self._start)
            return self._executor

    def _start(self) -> ProcessPoolExecutor:
        executor = ProcessPoolExecutor(
            max_workers=self._processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(self._buurten,),
        )
        for _ in range(self._processes):
            executor.submit(_ready)  # the processes start here, not at the first batch
        return executor

    def close(self) -> None:
        """Stop the workers (batches still queued are dropped: their callers are gone)."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
