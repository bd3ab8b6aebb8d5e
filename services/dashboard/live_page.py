"""GET /escalaties/live: the queue's live stream (server-sent events, FastAPI's EventSourceResponse).

The stream takes the queue page's filters and sends, within the logged-in user's scope, each escalation
that changes: `escalatie` with the row's HTML when it matches the filters, `verdwenen` when it no longer
does. Before it passes on an event it checks, at most every RECHECK, that the user still exists and
still has the scope the stream was opened with; otherwise the stream ends (the browser reconnects and
logs in again, or sees less).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.sse import EventSourceResponse, ServerSentEvent

from services.access.policy import escalation_scope
from services.dashboard.live_feed import Interest, LiveFeed
from services.dashboard.queue_page import read_queue_query
from services.dashboard.web import web_user
from services.db.errors import in_thread
from services.directory.model import User
from services.errors import WijkbrugError
from services.gateway.deps import get_runtime

router = APIRouter(include_in_schema=False)

#: How long the browser waits before it reconnects (milliseconds).
RETRY_MS = 3000
#: How often (seconds) a stream checks its user again before passing on an event.
RECHECK_S = 30.0


def live_feed(request: Request) -> LiveFeed:
    """The app's live feed (made by the app factory)."""
    feed: LiveFeed = request.app.state.live_feed
    return feed


async def live_interest(request: Request, user: Annotated[User, Depends(web_user)]) -> Interest:
    """The scope of the logged-in user and the queue filters of the URL (paging aside)."""
    query, _ = await read_queue_query(request)
    wanted = replace(query.filter(get_runtime(request).registry), limit=0, offset=0)
    return Interest(scope=escalation_scope(user), query=wanted)


@router.get("/escalaties/live", response_class=EventSourceResponse)
async def live_queue(
    request: Request,
    user: Annotated[User, Depends(web_user)],
    interest: Annotated[Interest, Depends(live_interest)],
) -> AsyncIterator[ServerSentEvent]:
    directory = get_runtime(request).directory
    checked = time.monotonic()
    with live_feed(request).subscribe(interest) as subscription:
        yield ServerSentEvent(comment="verbonden", retry=RETRY_MS)
        async for event in subscription.events():
            if time.monotonic() - checked > RECHECK_S:
                try:
                    current = await in_thread(directory.user_by_id, user.id)
                except WijkbrugError:  # the database away: end; the browser reconnects and is checked
                    return
                if current is None or escalation_scope(current) != interest.scope:
                    return
                checked = time.monotonic()
            yield ServerSentEvent(event=event.name, data=dict(event.data))
