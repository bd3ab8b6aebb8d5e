"""Making sure an organisation's inbound topic exists before the gateway produces to it."""

from __future__ import annotations

import asyncio

from services.broker.admin import ensure_topics
from services.broker.errors import BrokerUnavailableError
from services.broker.topics import Topology


class InboundTopics:
    """Creates `wijkbrug.inbound.<org>` once per process, on first use."""

    def __init__(self, bootstrap: str, topology: Topology, timeout_s: float = 10.0) -> None:
        self._bootstrap = bootstrap
        self._timeout_s = timeout_s
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
                spec = self._topology.inbound_spec(org_slug)
                try:
                    await asyncio.wait_for(
                        asyncio.to_thread(ensure_topics, self._bootstrap, [spec], timeout_s=self._timeout_s),
                        timeout=self._timeout_s,
                    )
                except TimeoutError as exc:
                    raise BrokerUnavailableError(
                        f"the broker did not answer within {self._timeout_s:.0f} s"
                    ) from exc
                self._ensured.add(topic)
        return topic
