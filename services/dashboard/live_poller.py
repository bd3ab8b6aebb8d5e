"""The live feed's poller: one per app, it reads which escalations changed and tells each open stream.

Every `interval_s` (WIJKBRUG_LIVE_POLL_INTERVAL_S), while anybody listens, it reads the escalations
changed since its high-water mark. Transactions commit in another order than they stamp `updated_at`,
so it reads again a window of OVERLAP before the mark and remembers what it already sent (by id and
change time): a late commit is still seen, nothing is sent twice.

For each interest (scope and filters of the open streams) the changed escalations are read through the
escalation store within that interest's scope, so the scope is checked per event by the same SQL that
guards every other read: a resident representative's stream never carries a household escalation. An
escalation that changed within the scope but no longer matches the filters is sent as `verdwenen`, so
the page can drop its row.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from jinja2 import Environment

from services.dashboard.live_feed import Interest, LiveEvent, LiveFeed
from services.dashboard.queue_rows import queue_row, render_row
from services.db.errors import in_thread
from services.db.types import utcnow
from services.errors import WijkbrugError
from services.escalations.changes import Change, SqlChangeLog
from services.escalations.model import EscalationFilter, EscalationView
from services.escalations.store import EscalationStore
from services.gateway.runtime import Runtime
from services.geo.registry import BuurtRegistry

log = logging.getLogger(__name__)

#: How far before the high-water mark each poll looks again (commits that came late).
OVERLAP = timedelta(seconds=10)
#: How long before the first stream opened changes are still sent (the page was rendered just before).
GRACE = timedelta(seconds=2)
#: Changes published per poll at most (after a bulk load); the others wait for the next poll.
BATCH = 200

EVENT_ROW = "escalatie"
EVENT_GONE = "verdwenen"


class LivePoller:
    """Reads changes and publishes them to the feed's subscribers."""

    def __init__(
        self,
        *,
        changes: SqlChangeLog,
        escalations: EscalationStore,
        feed: LiveFeed,
        render: Callable[[EscalationView], str],
        buurt_name: Callable[[str], str],
        interval_s: float,
    ) -> None:
        self._changes = changes
        self._escalations = escalations
        self._feed = feed
        self._render = render
        self._buurt_name = buurt_name
        self._interval_s = interval_s
        self._mark: datetime | None = None
        self._floor: datetime | None = None  # nothing before this: the first stream's start
        self._sent: set[tuple[int, datetime]] = set()

    async def run(self) -> None:
        """Poll until cancelled; a database away for a moment only skips a round."""
        while True:
            try:
                await self.poll()
            except WijkbrugError as exc:
                log.warning("live feed: %s", exc)
            await asyncio.sleep(self._interval_s)

    async def poll(self) -> int:
        """One round: publish what changed since the last one; how many changes it found."""
        interests = self._feed.interests()
        if not interests:
            self._mark = self._floor = None  # nobody listens: start afresh with the next listener
            self._sent.clear()
            return 0
        mark = self._mark if self._mark is not None else self._start()
        found = await in_thread(self._changes.since, max(mark - OVERLAP, self._floor or mark - OVERLAP))
        fresh = [change for change in found if (change.escalation_id, change.updated_at) not in self._sent]
        fresh = fresh[:BATCH]  # the oldest; the others stay after the mark for the next round
        self._remember(fresh)
        if fresh:
            ids = tuple(sorted({change.escalation_id for change in fresh}))
            rendered: dict[int, str] = {}
            for interest in interests:
                events = await self._events(interest, ids, rendered)
                if events:
                    self._feed.publish(interest, events)
        return len(fresh)

    def _start(self) -> datetime:
        """The first listener: start from shortly before its stream opened (its page is a little older)."""
        self._mark = self._floor = (self._feed.first_opened() or utcnow()) - GRACE
        return self._mark

    def _remember(self, changes: Sequence[Change]) -> None:
        """Count `changes` as sent, move the high-water mark, forget what lies before the window."""
        for change in changes:
            self._sent.add((change.escalation_id, change.updated_at))
            if self._mark is None or change.updated_at > self._mark:
                self._mark = change.updated_at
        if self._mark is not None:
            horizon = self._mark - OVERLAP
            self._sent = {key for key in self._sent if key[1] >= horizon}

    async def _events(
        self, interest: Interest, ids: tuple[int, ...], rendered: dict[int, str]
    ) -> list[LiveEvent]:
        """The events for `interest` about the changed `ids`: rows that match, rows that left the filter."""
        everything = EscalationFilter(ids=ids, limit=len(ids))
        visible = await in_thread(self._escalations.list, everything, interest.scope)
        if not visible.items:
            return []
        matching_filter = replace(interest.query, ids=ids, limit=len(ids), offset=0)
        matching = await in_thread(self._escalations.list, matching_filter, interest.scope)
        matching_ids = {item.id for item in matching.items}
        events = []
        for item in reversed(visible.items):  # oldest change first: the newest row ends on top
            where = f"{item.title} in {self._buurt_name(item.buurt)}"
            if item.id in matching_ids:
                if item.id not in rendered:
                    rendered[item.id] = self._render(item)
                new = item.created_at is not None and item.created_at == item.updated_at
                announcement = f"{'Nieuwe escalatie' if new else 'Escalatie bijgewerkt'}: {where}"
                data = {"id": item.id, "html": rendered[item.id], "melding": announcement}
                events.append(LiveEvent(EVENT_ROW, data))
            else:
                data = {"id": item.id, "melding": f"Escalatie past niet meer bij de filters: {where}"}
                events.append(LiveEvent(EVENT_GONE, data))
        return events


def live_poller(runtime: Runtime, feed: LiveFeed, environment: Environment) -> LivePoller:
    """The app's poller on `runtime`'s database, rendering rows with the dashboard's templates."""
    policy = runtime.sla
    registry = runtime.registry

    def render(view: EscalationView) -> str:
        return render_row(environment, queue_row(view, registry, policy, utcnow()))

    return LivePoller(
        changes=SqlChangeLog(runtime.sessions),
        escalations=runtime.escalations,
        feed=feed,
        render=render,
        buurt_name=lambda code: _buurt_name(registry, code),
        interval_s=runtime.settings.live_poll_interval_s,
    )


def _buurt_name(registry: BuurtRegistry, code: str) -> str:
    buurt = registry.get(code)
    return buurt.name if buurt else code
