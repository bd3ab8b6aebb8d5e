"""A faust transport (aiokafka) that fetches with a short wait, registered as `wbkafka://`.

faust's aiokafka driver hard-codes `fetch_max_wait_ms=1500`: on a quiet topic every event waits up to
1.5 s in the broker before the consumer sees it, which is most of the latency from a partner's 202 to the
taskforce's dashboard. This transport is faust's own, with a 100 ms wait; it is registered through
faust's documented extension point (the `faust.transports` entry point group, see pyproject.toml).
"""

from __future__ import annotations

from typing import Any

from faust.transport.drivers import aiokafka as faust_aiokafka

FETCH_MAX_WAIT_MS = 100
SCHEME = "wbkafka"


class LowLatencyConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    """faust's consumer thread, with a short fetch wait."""

    def _create_worker_consumer(self, transport: Any) -> Any:
        consumer = super()._create_worker_consumer(transport)
        # aiokafka reads this when it builds its fetcher in start(); faust passes no way to set it.
        consumer._fetch_max_wait_ms = FETCH_MAX_WAIT_MS
        return consumer


class Consumer(faust_aiokafka.Consumer):
    """faust's aiokafka consumer with the low-latency thread."""

    def _new_consumer_thread(self) -> LowLatencyConsumerThread:
        return LowLatencyConsumerThread(self, loop=self.loop, beacon=self.beacon)


class Transport(faust_aiokafka.Transport):
    """faust's aiokafka transport with the low-latency consumer."""

    Consumer = Consumer
