"""Drives a source connector through its lifecycle: poll, check, deliver, dead-letter, checkpoint; retry.

The checkpoint is saved only after the sink acknowledged every event of a batch and the dead letters are
written, so a crash re-reads what came after the saved checkpoint, and its events carry the same ids (the
hub ignores them the second time). After a save, the connector hears of it (`committed`), so that it can
acknowledge to its source. Transient failures are retried with exponential backoff and jitter, from the
saved checkpoint; a permanent one puts the connector in the failed state with its reason. Pause and reset
requests come through the state store, so `connector pause` and the API reach a connector running in
another process.

While the source has more right away (a backfill, a large export), batches go through three stages at
once: the connector polls batch n+2 (in a thread), the sink checks batch n+1 (in its worker process, for a
hub sink with a check pool) and delivers batch n; deliveries and saves stay in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from connectors.base import SourceConnector
from connectors.errors import ConfigError, PermanentError, TransientError
from connectors.model import Batch, Checked, Checkpoint, Counts, Emit, Reject, State
from connectors.retry import Backoff
from connectors.sinks import EventSink
from connectors.state import ConnectorStateStore
from services.telemetry.metrics import instruments

log = logging.getLogger(__name__)
PAUSED_CHECK_S = 1.0
EXIT_FAILED = 3
"""The exit status of `wijkbrug connector run` for a connector that failed for good."""
READ_AHEAD = 1
"""Batches polled and checked, waiting for their delivery, besides the one being polled."""

_Read = tuple[Batch, Checked[Any]]


class ConnectorRunner:
    """One source connector, its sink and its state."""

    def __init__(
        self, connector: SourceConnector[Any], sink: EventSink[Any], store: ConnectorStateStore
    ) -> None:
        self.connector = connector
        self.sink = sink
        self.store = store
        self.name = connector.config.name
        self._backoff = Backoff(connector.config.retry)
        self._state: State | None = None
        self._position: Checkpoint | None = None
        # The connector's methods run in threads; one at a time (`committed` may not meet a `poll`).
        self._calls = asyncio.Lock()

    async def run(self, stop: asyncio.Event, *, once: bool = False) -> State:
        """Run until `stop` is set (or, with `once`, until the source has nothing more); the final state."""
        config = self.connector.config
        await asyncio.to_thread(self.store.register, self.name, config.kind, config.org)
        try:
            if not await self._attempt(stop, self._setup):
                return await self._finish(State.STOPPED)
            while not stop.is_set():
                status = await asyncio.to_thread(self.store.get, self.name)
                if status is not None and status.paused:
                    await self._enter(State.PAUSED)
                    if once:
                        break
                    await _wait(stop, PAUSED_CHECK_S)
                    continue
                self._position = status.checkpoint if status is not None else None
                more = await self._attempt(stop, lambda: self._stream(stop))
                if not more:
                    if once:
                        break
                    await _wait(stop, self.connector.poll_interval_s)
            return await self._finish(State.STOPPED)
        except (PermanentError, ConfigError) as exc:
            log.error("connector %s failed: %s", self.name, exc)
            await asyncio.to_thread(self._cleanup)
            await self._finish(State.FAILED, str(exc))
            return State.FAILED
        finally:
            await asyncio.to_thread(self._stop)

    async def _setup(self) -> bool:
        await asyncio.to_thread(self.connector.setup)
        status = await asyncio.to_thread(self.store.get, self.name)
        await self._call(self.connector.committed, status.checkpoint if status is not None else None)
        await self._enter(State.RUNNING)
        return True

    async def _stream(self, stop: asyncio.Event) -> bool:
        """Poll, check and deliver batches from the saved position for as long as the source has more
        right away; False when it has nothing more now (the runner waits the poll interval), True when
        stopped, paused or reset in between. Raises what a poll, check or delivery raised, in batch order,
        after the batches before it were delivered."""
        ahead: asyncio.Queue[asyncio.Future[_Read]] = asyncio.Queue(maxsize=READ_AHEAD)
        halt = asyncio.Event()
        reader = asyncio.create_task(self._read_ahead(self._position, ahead, halt))
        try:
            while True:
                batch, checked = await (await ahead.get())
                await self._deliver(batch, checked)
                if not batch.more:
                    return False
                if stop.is_set() or await self._interrupted():
                    return True
        finally:
            halt.set()
            await _drain(ahead)
            await asyncio.gather(reader, return_exceptions=True)  # lets a poll in its thread finish
            await _drain(ahead)

    async def _read_ahead(
        self, checkpoint: Checkpoint | None, ahead: asyncio.Queue[asyncio.Future[_Read]], halt: asyncio.Event
    ) -> None:
        """Poll batch after batch, each handed to the sink's checks at once, until the source has nothing
        more now; a failed poll ends it (its error reaches `_stream` through the queue)."""
        while not halt.is_set():
            polled = asyncio.ensure_future(self._call(self.connector.poll, checkpoint))
            await ahead.put(asyncio.ensure_future(self._check(polled)))
            batch = await polled
            if not batch.more:
                return
            if batch.checkpoint is not None:
                checkpoint = batch.checkpoint

    async def _check(self, polled: asyncio.Future[Batch]) -> _Read:
        batch = await polled
        emits = [outcome for outcome in batch.outcomes if isinstance(outcome, Emit)]
        return batch, (await self.sink.check(emits) if emits else Checked())

    async def _deliver(self, batch: Batch, checked: Checked[Any]) -> None:
        """Deliver one checked batch, dead-letter its rejects, save its checkpoint, tell the connector."""
        emitted = sum(1 for outcome in batch.outcomes if isinstance(outcome, Emit))
        rejects = [outcome for outcome in batch.outcomes if isinstance(outcome, Reject)]
        rejects.extend(checked.rejects)
        refused = await self.sink.deliver(checked) if checked.passed else []
        rejects.extend(refused)
        await self.sink.dead_letter(self.name, rejects)
        counts = Counts(emitted=emitted - len(checked.rejects) - len(refused), dead_lettered=len(rejects))
        records = instruments().connector_records
        records.add(counts.emitted, {"connector": self.name, "outcome": "emitted"})
        records.add(counts.dead_lettered, {"connector": self.name, "outcome": "dead_lettered"})
        await asyncio.to_thread(self.store.advance, self.name, batch.checkpoint, counts, success=True)
        if batch.checkpoint is not None:
            self._position = batch.checkpoint
        self._backoff.reset()
        await self._enter(State.RUNNING)
        await self._call(self.connector.committed, self._position)

    async def _interrupted(self) -> bool:
        """Whether a pause or a reset came in through the state store since the stream started."""
        status = await asyncio.to_thread(self.store.get, self.name)
        if status is None or status.paused:
            return True
        return status.checkpoint is None and self._position is not None

    async def _call(self, method: Any, *args: Any) -> Any:
        async with self._calls:
            return await asyncio.to_thread(method, *args)

    async def _attempt(self, stop: asyncio.Event, step: Any) -> bool:
        """Run `step` until it succeeds, retrying transient failures; False if stopped while waiting."""
        while not stop.is_set():
            try:
                return bool(await step())
            except TransientError as exc:
                delay = self._backoff.next_delay(getattr(exc, "retry_after_s", None))
                log.warning("connector %s: %s; retrying in %.1f s", self.name, exc, delay)
                await asyncio.to_thread(self.store.count, self.name, Counts(retried=1))
                instruments().connector_records.add(1, {"connector": self.name, "outcome": "retried"})
                await self._enter(State.RETRYING, str(exc))
                await _wait(stop, delay)
        return False

    @property
    def state(self) -> State | None:
        """The state the connector is in now (None before it started)."""
        return self._state

    async def _enter(self, state: State, error: str | None = None) -> None:
        if state is not self._state or error is not None:
            self._state = state
            await asyncio.to_thread(self.store.set_state, self.name, state, error)

    async def _finish(self, state: State, error: str | None = None) -> State:
        if self._state is not State.FAILED:
            await self._enter(state, error)
        return state

    def _cleanup(self) -> None:
        try:
            self.connector.cleanup()
        except Exception:
            log.exception("connector %s: cleanup failed", self.name)

    def _stop(self) -> None:
        try:
            self.connector.stop()
        except Exception:
            log.exception("connector %s: stop failed", self.name)
        self.sink.close()


async def _drain(ahead: asyncio.Queue[asyncio.Future[_Read]]) -> None:
    """Cancel the batches read ahead but not delivered (they are read again from the saved checkpoint)."""
    waiting: list[asyncio.Future[_Read]] = []
    while not ahead.empty():
        waiting.append(ahead.get_nowait())
    for future in waiting:
        future.cancel()
    with contextlib.suppress(BaseException):
        await asyncio.gather(*waiting, return_exceptions=True)


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        return
