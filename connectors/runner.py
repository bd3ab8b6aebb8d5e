"""Drives a source connector through its lifecycle: poll, deliver, dead-letter, checkpoint; retry, fail.

The checkpoint is saved only after the sink acknowledged every event of a batch and the dead letters are
written, so a crash re-reads at most the last batch, and its events carry the same ids (the hub ignores
them the second time). Transient failures are retried with exponential backoff and jitter; a permanent
one puts the connector in the failed state with its reason. Pause and reset requests come through the
state store, so `connector pause` and the API reach a connector running in another process.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import Any

from connectors.base import SourceConnector
from connectors.errors import ConfigError, PermanentError, TransientError
from connectors.model import Batch, Counts, Emit, Reject, State
from connectors.retry import Backoff
from connectors.sinks import EventSink
from connectors.state import ConnectorStateStore
from services.telemetry.metrics import instruments

log = logging.getLogger(__name__)
PAUSED_CHECK_S = 1.0
EXIT_FAILED = 3
"""The exit status of `wijkbrug connector run` for a connector that failed for good."""


class ConnectorRunner:
    """One source connector, its sink and its state."""

    def __init__(self, connector: SourceConnector[Any], sink: EventSink, store: ConnectorStateStore) -> None:
        self.connector = connector
        self.sink = sink
        self.store = store
        self.name = connector.config.name
        self._backoff = Backoff(connector.config.retry)
        self._state: State | None = None

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
                checkpoint = status.checkpoint if status is not None else None
                more = await self._attempt(stop, functools.partial(self._cycle, checkpoint))
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
        await self._enter(State.RUNNING)
        return True

    async def _cycle(self, checkpoint: Any) -> bool:
        batch: Batch = await asyncio.to_thread(self.connector.poll, checkpoint)
        emits = [outcome for outcome in batch.outcomes if isinstance(outcome, Emit)]
        rejects = [outcome for outcome in batch.outcomes if isinstance(outcome, Reject)]
        refused = await self.sink.deliver(emits) if emits else []
        rejects.extend(refused)
        await self.sink.dead_letter(self.name, rejects)
        counts = Counts(emitted=len(emits) - len(refused), dead_lettered=len(rejects))
        records = instruments().connector_records
        records.add(counts.emitted, {"connector": self.name, "outcome": "emitted"})
        records.add(counts.dead_lettered, {"connector": self.name, "outcome": "dead_lettered"})
        await asyncio.to_thread(self.store.advance, self.name, batch.checkpoint, counts, success=True)
        self._backoff.reset()
        await self._enter(State.RUNNING)
        return batch.more

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


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        return
