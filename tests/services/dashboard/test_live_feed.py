"""The live feed's fan-out and its poller, without a database: who gets which events, slow streams,
closing, late commits, duplicates and bulk loads."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from services.dashboard.live_feed import Interest, LiveEvent, LiveFeed, Subscription
from services.dashboard.live_poller import BATCH, EVENT_GONE, EVENT_ROW, OVERLAP, LivePoller
from services.escalations.changes import Change
from services.escalations.model import EscalationFilter, EscalationView, Page, Scope, Severity, Status

EVERYTHING = Interest(Scope(everything=True), EscalationFilter())
HIGH_ONLY = Interest(Scope(everything=True), EscalationFilter(severity=Severity.HIGH))
T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


async def drain(subscription: Subscription) -> list[LiveEvent]:
    """What the stream would send until it ends or has nothing more waiting."""
    events: list[LiveEvent] = []
    iterator = subscription.events()
    while True:
        try:
            events.append(await asyncio.wait_for(iterator.__anext__(), timeout=0.05))
        except (StopAsyncIteration, TimeoutError):
            return events


async def ended(subscription: Subscription) -> bool:
    try:
        await asyncio.wait_for(subscription.events().__anext__(), timeout=0.05)
    except StopAsyncIteration:
        return True
    except TimeoutError:
        return False
    return False


# ---------------------------------------------------------------------------------------------------
# the feed


def test_events_go_to_the_streams_of_their_interest_only() -> None:
    async def scenario() -> None:
        feed = LiveFeed()
        with feed.subscribe(EVERYTHING) as one, feed.subscribe(HIGH_ONLY) as other:
            feed.publish(EVERYTHING, [LiveEvent("escalatie", {"id": 1})])

            assert [event.data["id"] for event in await drain(one)] == [1]
            assert await drain(other) == []
            assert feed.interests() == {EVERYTHING, HIGH_ONLY}
        assert len(feed) == 0, "leaving the block unsubscribes"

    asyncio.run(scenario())


def test_a_stream_that_falls_behind_is_dropped_and_ends() -> None:
    async def scenario() -> None:
        feed = LiveFeed(max_pending=3)
        with feed.subscribe(EVERYTHING) as slow, feed.subscribe(EVERYTHING) as quick:
            for number in range(3):
                feed.publish(EVERYTHING, [LiveEvent("escalatie", {"id": number})])
                await drain(quick)
            feed.publish(EVERYTHING, [LiveEvent("escalatie", {"id": 3})])

            assert slow.closed and not quick.closed
            assert [event.data["id"] for event in await drain(slow)] == [0, 1, 2], "what it had, then the end"
            assert [event.data["id"] for event in await drain(quick)] == [3]
            assert len(feed) == 1

    asyncio.run(scenario())


def test_closing_the_feed_ends_every_stream_and_refuses_new_ones() -> None:
    async def scenario() -> None:
        feed = LiveFeed()
        with feed.subscribe(EVERYTHING) as first:
            feed.close()

            assert await ended(first)
            with feed.subscribe(EVERYTHING) as late:
                assert late.closed and await ended(late)
                assert len(feed) == 0

    asyncio.run(scenario())


# ---------------------------------------------------------------------------------------------------
# the poller


def view(escalation_id: int, updated_at: datetime, severity: Severity = Severity.HIGH) -> EscalationView:
    return EscalationView(
        id=escalation_id,
        dedup_key=f"k-{escalation_id}",
        rule="r",
        title=f"Escalatie {escalation_id}",
        severity=severity,
        status=Status.OPEN,
        buurt="BU0363AD05",
        subject=f"hh:{escalation_id}",
        organisations=("woco",),
        policies=(),
        opened_at=T0,
        updated_at=updated_at,
        version=1,
        created_at=updated_at,
    )


class FakeDatabase:
    """Escalations by id; `since` and `list` as the SQL stores answer them (scope: everything)."""

    def __init__(self) -> None:
        self.rows: dict[int, EscalationView] = {}
        self.queries = 0

    def put(self, item: EscalationView) -> None:
        self.rows[item.id] = item

    def since(self, moment: datetime) -> Sequence[Change]:
        self.queries += 1
        found = [Change(row.id, row.updated_at) for row in self.rows.values() if row.updated_at >= moment]
        return sorted(found, key=lambda change: (change.updated_at, change.escalation_id))

    def list(self, query: EscalationFilter, scope: Scope) -> Page:
        self.queries += 1
        items = [
            row
            for row in self.rows.values()
            if (query.ids is None or row.id in query.ids) and query.severity in (None, row.severity)
        ]
        items.sort(key=lambda row: (row.updated_at, row.id), reverse=True)
        return Page(items=tuple(items[: query.limit]), total=len(items))


def poller(feed: LiveFeed, database: FakeDatabase) -> LivePoller:
    return LivePoller(
        changes=database,  # type: ignore[arg-type]
        escalations=database,  # type: ignore[arg-type]
        feed=feed,
        render=lambda item: f'<tr id="escalatie-{item.id}"></tr>',
        buurt_name=lambda code: "Nieuwe Kerk e.o.",
        interval_s=0.1,
    )


def ids_of(events: Sequence[LiveEvent], name: str = EVENT_ROW) -> list[int]:
    return [int(event.data["id"]) for event in events if event.name == name]


def test_nobody_listening_means_no_queries() -> None:
    async def scenario() -> None:
        database = FakeDatabase()
        running = poller(LiveFeed(), database)

        assert await running.poll() == 0
        assert database.queries == 0

    asyncio.run(scenario())


def test_each_change_is_sent_once_also_when_it_commits_late() -> None:
    async def scenario() -> None:
        feed, database = LiveFeed(), FakeDatabase()
        running = poller(feed, database)
        with feed.subscribe(EVERYTHING) as stream:
            now = stream.opened_at
            database.put(view(1, now + timedelta(seconds=1)))
            await running.poll()
            await running.poll()
            # Stamped before escalation 1's change, committed after the poll that saw it.
            database.put(view(2, now + timedelta(milliseconds=500)))
            await running.poll()
            # Changed again: sent again.
            database.put(replace(database.rows[1], updated_at=now + timedelta(seconds=2)))
            await running.poll()

            events = await drain(stream)

        assert ids_of(events) == [1, 2, 1]
        assert events[0].data["melding"] == "Nieuwe escalatie: Escalatie 1 in Nieuwe Kerk e.o."
        assert events[2].data["melding"] == "Escalatie bijgewerkt: Escalatie 1 in Nieuwe Kerk e.o."

    asyncio.run(scenario())


def test_what_changed_well_before_the_first_stream_opened_is_not_sent() -> None:
    async def scenario() -> None:
        feed, database = LiveFeed(), FakeDatabase()
        running = poller(feed, database)
        with feed.subscribe(EVERYTHING) as stream:
            database.put(view(1, stream.opened_at - OVERLAP * 3))
            database.put(view(2, stream.opened_at - timedelta(seconds=1)))  # between page and stream

            await running.poll()

            assert ids_of(await drain(stream)) == [2]

    asyncio.run(scenario())


def test_a_bulk_load_goes_out_over_several_rounds_oldest_first() -> None:
    async def scenario() -> None:
        feed, database = LiveFeed(max_pending=10 * BATCH), FakeDatabase()
        running = poller(feed, database)
        with feed.subscribe(EVERYTHING) as stream:
            for number in range(BATCH + 50):
                database.put(view(number, stream.opened_at + timedelta(microseconds=number)))

            first = await running.poll()
            second = await running.poll()

            assert (first, second) == (BATCH, 50)
            assert ids_of(await drain(stream)) == list(range(BATCH + 50))

    asyncio.run(scenario())


def test_a_row_that_leaves_the_filter_is_sent_as_gone() -> None:
    async def scenario() -> None:
        feed, database = LiveFeed(), FakeDatabase()
        running = poller(feed, database)
        with feed.subscribe(HIGH_ONLY) as stream:
            database.put(view(1, stream.opened_at))
            database.put(view(2, stream.opened_at, Severity.LOW))
            await running.poll()

            events = await drain(stream)

        assert ids_of(events) == [1]
        assert ids_of(events, EVENT_GONE) == [2]
        assert events[0].data["html"] == '<tr id="escalatie-1"></tr>'

    asyncio.run(scenario())
