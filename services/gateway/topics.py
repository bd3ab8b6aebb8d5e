"""Making sure an organisation's inbound topic exists before the gateway produces to it."""

from __future__ import annotations

import asyncio

from services.broker.admin import ensure_topics
from services.broker.topics import Topology


class InboundTopics:
    """Creates `wijkbrug.inbound.<org>` once per process, on first use."""

    def __init__(self, bootstrap: str, topology: Topology) -> None:
        self._bootstrap = bootstrap
        self._topology = topology
        self._ensured: set[str] = set()
        self._lock = asyncio.Lock()

    async def ensure(self, org_slug: str) -> str:
        """The topic name; raises BrokerUnavailableError if it cannot be created now."""
        topic = self._topology.inbound(org_slug)
        if topic in self._ensured:
            return topic
        async with self._lock:
            if topic not in self._ensured:
                await asyncio.to_thread(
                    ensure_topics, self._bootstrap, [self._topology.inbound_spec(org_slug)]
                )
                self._ensured.add(topic)
        return topic
