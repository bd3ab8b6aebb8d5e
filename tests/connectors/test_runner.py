"""The runner: checkpoint after delivery, retries with backoff, failed state, pause, resume, reset."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from connectors.base import ConnectorContext, SourceConnector
from connectors.config import ConnectorConfig
from connectors.errors import PermanentError, TransientError
from connectors.model import Batch, Checked, Checkpoint, Emit, Reject, State
from connectors.runner import ConnectorRunner
from tests.support.connector_fakes import MemorySink, MemoryStateStore

RECORDS = ["r0", "r1", "bad", "r3", "r4"]


class ListConnector(SourceConnector[ConnectorConfig]):
    """Two records a poll from a list; "bad" records are rejected; failures can be scripted."""

    poll_interval_s = 0.01

    def __init__(self, records: list[str], failures: list[Exception] | None = None) -> None:
        config = ConnectorConfig.model_validate(
            {"name": "list", "kind": "test", "org": "gemeente", "retry": {"initial_s": 0.001, "max_s": 0.005}}
        )
        super().__init__(config, ConnectorContext(file="list.yaml", pseudonymiser=None))
        self.records = records
        self.failures = failures or []
        self.polls: list[Checkpoint | None] = []
        self.committed_at: list[Checkpoint | None] = []
        self.on_committed: Callable[[Checkpoint | None], None] | None = None
        self.lifecycle: list[str] = []

    def setup(self) -> None:
        self.lifecycle.append("setup")

    def poll(self, checkpoint: Checkpoint | None) -> Batch:
        self.polls.append(checkpoint)
        if self.failures:
            raise self.failures.pop(0)
        start = int(checkpoint["next"]) if checkpoint else 0
        chunk = self.records[start : start + 2]
        outcomes: list[Emit | Reject] = [
            Reject("bad_record", "cannot be mapped", {"row": value}, f"row {start + i}")
            if value == "bad"
            else Emit({"id": f"ev-{value}"}, f"row {start + i}")
            for i, value in enumerate(chunk)
        ]
        end = start + len(chunk)
        return Batch(outcomes, {"next": end}, more=end < len(self.records))

    def committed(self, checkpoint: Checkpoint | None) -> None:
        self.committed_at.append(checkpoint)
        if self.on_committed is not None:
            self.on_committed(checkpoint)

    def stop(self) -> None:
        self.lifecycle.append("stop")

    def cleanup(self) -> None:
        self.lifecycle.append("cleanup")


def _run(runner: ConnectorRunner, *, once: bool = True) -> State:
    return asyncio.run(runner.run(asyncio.Event(), once=once))


def test_once_delivers_everything_once_and_saves_where_it_is() -> None:
    connector, sink, store = ListConnector(RECORDS), MemorySink(), MemoryStateStore()
    assert _run(ConnectorRunner(connector, sink, store)) is State.STOPPED
    assert sink.ids == ["ev-r0", "ev-r1", "ev-r3", "ev-r4"]
    assert [(name, reject.position, reject.reason) for name, reject in sink.dead_letters] == [
        ("list", "row 2", "bad_record")
    ]
    status = store.get("list")
    assert status is not None
    assert (status.emitted, status.dead_lettered, status.retried) == (4, 1, 0)
    assert status.checkpoint == {"next": 5} and status.last_success_at is not None
    assert connector.lifecycle == ["setup", "stop"]


def test_a_restart_re_emits_nothing() -> None:
    sink, store = MemorySink(), MemoryStateStore()
    _run(ConnectorRunner(ListConnector(RECORDS), sink, store))
    again = ListConnector(RECORDS)
    _run(ConnectorRunner(again, sink, store))
    assert sink.ids == ["ev-r0", "ev-r1", "ev-r3", "ev-r4"]
    assert again.polls == [{"next": 5}]


def test_a_hub_that_is_down_for_a_while_delays_but_loses_nothing() -> None:
    sink, store = MemorySink(fail_next=3), MemoryStateStore()
    connector = ListConnector(RECORDS)
    assert _run(ConnectorRunner(connector, sink, store)) is State.STOPPED
    assert sink.ids == ["ev-r0", "ev-r1", "ev-r3", "ev-r4"]
    status = store.get("list")
    assert status is not None and status.retried == 3 and status.emitted == 4
    # The failed batch was read again from the same checkpoint each time, not skipped.
    assert connector.polls.count(None) == 4
    assert State.RETRYING in store.history and store.history[-1] is State.STOPPED


def test_a_transient_source_failure_is_retried() -> None:
    sink, store = MemorySink(), MemoryStateStore()
    connector = ListConnector(RECORDS, failures=[TransientError("timeout"), TransientError("503")])
    assert _run(ConnectorRunner(connector, sink, store)) is State.STOPPED
    status = store.get("list")
    assert status is not None and status.retried == 2 and len(sink.ids) == 4


def test_a_permanent_failure_fails_the_connector_with_its_reason() -> None:
    sink, store = MemorySink(), MemoryStateStore()
    connector = ListConnector(RECORDS, failures=[PermanentError("the source refused the token (401)")])
    assert _run(ConnectorRunner(connector, sink, store), once=False) is State.FAILED
    status = store.get("list")
    assert status is not None and status.state is State.FAILED
    assert status.last_error == "the source refused the token (401)"
    assert connector.lifecycle == ["setup", "cleanup", "stop"]
    assert sink.ids == []


def test_a_paused_connector_does_not_poll_and_resumes_where_it_was() -> None:
    sink, store = MemorySink(), MemoryStateStore()
    store.register("list", "test", "gemeente")
    store.set_paused("list", True)
    paused = ListConnector(RECORDS)
    assert _run(ConnectorRunner(paused, sink, store)) is State.STOPPED
    assert paused.polls == [] and State.PAUSED in store.history
    store.set_paused("list", False)
    _run(ConnectorRunner(ListConnector(RECORDS), sink, store))
    assert len(sink.ids) == 4


def test_a_reset_reads_the_source_from_the_start() -> None:
    sink, store = MemorySink(), MemoryStateStore()
    _run(ConnectorRunner(ListConnector(RECORDS), sink, store))
    store.reset("list")
    again = ListConnector(RECORDS)
    _run(ConnectorRunner(again, sink, store))
    assert again.polls[0] is None
    assert sink.ids == ["ev-r0", "ev-r1", "ev-r3", "ev-r4"] * 2  # the hub drops repeats by (source, id)


def test_events_the_hub_refuses_are_dead_lettered_with_their_position() -> None:
    sink, store = MemorySink(refuse_ids={"ev-r3"}), MemoryStateStore()
    _run(ConnectorRunner(ListConnector(RECORDS), sink, store))
    assert sorted(reject.position for _, reject in sink.dead_letters) == ["row 2", "row 3"]
    status = store.get("list")
    assert status is not None and (status.emitted, status.dead_lettered) == (3, 2)


def test_stop_ends_a_running_connector() -> None:
    sink, store = MemorySink(), MemoryStateStore()

    async def scenario() -> State:
        stop = asyncio.Event()
        runner = ConnectorRunner(ListConnector(RECORDS), sink, store)
        task = asyncio.create_task(runner.run(stop))
        while len(sink.ids) < 4:
            await asyncio.sleep(0.005)
        stop.set()
        return await asyncio.wait_for(task, timeout=5)

    assert asyncio.run(scenario()) is State.STOPPED


class GatedSink(MemorySink):
    """Holds the delivery of the first batch until the connector has polled the next one."""

    def __init__(self, connector: ListConnector) -> None:
        super().__init__()
        self.connector = connector
        self.deliveries: list[list[str]] = []

    async def deliver(self, checked: Checked[Emit]) -> list[Reject]:
        if not self.deliveries:
            while len(self.connector.polls) < 2:
                await asyncio.sleep(0)  # gives the runner's read-ahead its turn; no wall-clock wait
        self.deliveries.append([str(emit.event["id"]) for emit in checked.passed])
        return await super().deliver(checked)


def test_the_next_batch_is_read_while_one_is_delivered_and_deliveries_stay_in_order() -> None:
    connector, store = ListConnector(RECORDS * 3), MemoryStateStore()
    sink = GatedSink(connector)
    runner = ConnectorRunner(connector, sink, store)
    assert asyncio.run(asyncio.wait_for(runner.run(asyncio.Event(), once=True), timeout=10)) is State.STOPPED
    assert sink.ids == [f"ev-{r}" for r in RECORDS * 3 if r != "bad"]
    assert connector.polls[:2] == [None, {"next": 2}]
    # The connector hears of each saved checkpoint, in order, never of one that was only read ahead.
    assert connector.committed_at == [None, *({"next": n} for n in (2, 4, 6, 8, 10, 12, 14, 15))]


class FailingOnceSink(MemorySink):
    """Fails the delivery of the batch holding `failing` once."""

    def __init__(self, failing: str) -> None:
        super().__init__()
        self.failing: str | None = failing

    async def deliver(self, checked: Checked[Emit]) -> list[Reject]:
        if self.failing in {emit.event["id"] for emit in checked.passed}:
            self.failing = None
            raise TransientError("the hub is unavailable (test)")
        return await super().deliver(checked)


def test_a_failed_delivery_reads_again_from_the_saved_checkpoint_losing_nothing() -> None:
    connector, sink, store = ListConnector(RECORDS), FailingOnceSink("ev-r3"), MemoryStateStore()
    assert _run(ConnectorRunner(connector, sink, store)) is State.STOPPED
    assert sink.ids == ["ev-r0", "ev-r1", "ev-r3", "ev-r4"]
    assert connector.polls.count({"next": 2}) == 2  # the batch after the saved checkpoint, read again
    status = store.get("list")
    assert status is not None and (status.emitted, status.retried, status.checkpoint) == (4, 1, {"next": 5})


def test_a_pause_between_batches_stops_before_the_next_delivery() -> None:
    connector, sink, store = ListConnector(RECORDS), MemorySink(), MemoryStateStore()

    def pause_after_the_first_batch(checkpoint: Checkpoint | None) -> None:
        store.set_paused("list", checkpoint == {"next": 2})

    connector.on_committed = pause_after_the_first_batch
    assert _run(ConnectorRunner(connector, sink, store)) is State.STOPPED
    assert sink.ids == ["ev-r0", "ev-r1"]
    status = store.get("list")
    assert status is not None and status.paused and status.checkpoint == {"next": 2}
    assert State.PAUSED in store.history


def test_a_reset_between_batches_starts_the_source_again() -> None:
    connector, sink, store = ListConnector(RECORDS), MemorySink(), MemoryStateStore()
    resets: list[Checkpoint] = []

    def reset_once(checkpoint: Checkpoint | None) -> None:
        if checkpoint == {"next": 2} and not resets:
            resets.append(checkpoint)
            store.reset("list")

    connector.on_committed = reset_once
    assert _run(ConnectorRunner(connector, sink, store)) is State.STOPPED
    assert sink.ids == ["ev-r0", "ev-r1", "ev-r0", "ev-r1", "ev-r3", "ev-r4"]
    assert connector.polls.count(None) == 2
