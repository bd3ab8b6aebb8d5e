"""The live feed's fan-out: every open live stream is a subscription with a bounded queue of its own.

One feed per app. The poller (services.dashboard.live_poller) asks which interests are subscribed, works
out the events of each, and offers them; a subscriber whose queue is full is too slow and is dropped
(its stream ends; the browser reconnects by itself). Closing the feed ends every stream: the app does so
when it shuts down, before the server waits for open responses to finish.

Everything here runs on the app's event loop; nothing blocks.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.db.types import utcnow
from services.escalations.model import EscalationFilter, Scope

log = logging.getLogger(__name__)

#: Events a subscriber may have waiting before it counts as too slow.
MAX_PENDING = 100


@dataclass(frozen=True)
class Interest:
    """What one stream wants to hear about: the escalations in `scope` that match `query`."""

    scope: Scope
    query: EscalationFilter


@dataclass(frozen=True)
class LiveEvent:
    """One server-sent event: its name and its JSON data."""

    name: str
    data: Mapping[str, Any] = field(default_factory=dict)


class Subscription:
    """One open stream: its interest and the events waiting for it."""

    def __init__(self, interest: Interest, max_pending: int) -> None:
        self.interest = interest
        self.opened_at = utcnow()
        # One slot more than max_pending, kept for the end marker.
        self._queue: asyncio.Queue[LiveEvent | None] = asyncio.Queue(max_pending + 1)
        self._max_pending = max_pending
        self.closed = False

    def offer(self, event: LiveEvent) -> bool:
        """Queue `event`; False (and the subscription closed) when the subscriber is too far behind."""
        if self.closed:
            return False
        if self._queue.qsize() >= self._max_pending:
            self.close()
            return False
        self._queue.put_nowait(event)
        return True

    def close(self) -> None:
        """End the stream after what it already has (idempotent)."""
        if not self.closed:
            self.closed = True
            self._queue.put_nowait(None)

    async def events(self) -> AsyncIterator[LiveEvent]:
        """The events as they come, until the subscription is closed."""
        while True:
            event = await self._queue.get()
            if event is None:
                return
            yield event


class LiveFeed:
    """The app's open live streams, grouped by interest."""

    def __init__(self, max_pending: int = MAX_PENDING) -> None:
        self._max_pending = max_pending
        self._subscriptions: set[Subscription] = set()
        self._closed = False

    @contextmanager
    def subscribe(self, interest: Interest) -> Iterator[Subscription]:
        """A subscription for the duration of the `with` block (already closed if the feed is)."""
        subscription = Subscription(interest, self._max_pending)
        if self._closed:
            subscription.close()
        else:
            self._subscriptions.add(subscription)
        try:
            yield subscription
        finally:
            self._subscriptions.discard(subscription)

    def __len__(self) -> int:
        return len(self._subscriptions)

    def first_opened(self) -> datetime | None:
        """When the longest-open stream opened, or None when none is open."""
        return min((subscription.opened_at for subscription in self._subscriptions), default=None)

    def interests(self) -> frozenset[Interest]:
        """The distinct interests of the open streams."""
        return frozenset(subscription.interest for subscription in self._subscriptions)

    def publish(self, interest: Interest, events: Sequence[LiveEvent]) -> None:
        """Offer `events` to every stream with `interest`; drop the streams that fall behind."""
        for subscription in [s for s in self._subscriptions if s.interest == interest]:
            for event in events:
                if not subscription.offer(event):
                    log.info("live stream dropped: more than %d events waiting", self._max_pending)
                    self._subscriptions.discard(subscription)
                    break

    def close(self) -> None:
        """End every stream and refuse new ones (the app shuts down)."""
        self._closed = True
        for subscription in list(self._subscriptions):
            subscription.close()
        self._subscriptions.clear()
