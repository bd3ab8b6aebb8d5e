"""`wijkbrug sink`: one escalation service instance (several may share the partitions)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
from dataclasses import asdict

from services.broker.admin import ensure_topics
from services.broker.discovery import resolve_bootstrap
from services.broker.errors import BrokerUnavailableError
from services.broker.topics import Topology
from services.config import Settings
from services.db.engine import create_db_engine, create_session_factory
from services.escalations.sql import SqlEscalationStore
from services.health.heartbeats import READY, STARTING, SqlHeartbeatStore
from services.logs import configure_logging
from services.sink.service import EscalationSink
from services.telemetry.metrics import LAG_DESCRIPTION, LAG_GAUGE, configure_metrics, observe
from services.telemetry.tracing import configure_tracing

COMPONENT = "sink"

log = logging.getLogger(__name__)


async def serve(settings: Settings, stop: asyncio.Event) -> None:
    """Run the sink and its heartbeat until `stop` is set."""
    bootstrap = resolve_bootstrap(settings)
    if bootstrap is None:
        raise BrokerUnavailableError("no broker: set WIJKBRUG_KAFKA_BOOTSTRAP or start `wijkbrug up`")
    topology = Topology.from_settings(settings)
    await asyncio.to_thread(ensure_topics, bootstrap, topology.core_specs())
    engine = create_db_engine(settings.sqlalchemy_url())
    sessions = create_session_factory(engine)
    sink = EscalationSink(bootstrap=bootstrap, topology=topology, store=SqlEscalationStore(sessions))
    heartbeats = SqlHeartbeatStore(sessions)
    instance = f"{socket.gethostname()}:{os.getpid()}"
    observe(LAG_GAUGE, LAG_DESCRIPTION, sink.consumer.lag_observations)

    async def beat() -> None:
        while not stop.is_set():
            state = READY if sink.consumer.joined else STARTING
            detail = {**asdict(sink.counters), "lag": await sink.consumer.lag()}
            try:
                await asyncio.to_thread(heartbeats.beat, COMPONENT, instance, state, detail)
            except Exception:
                log.warning("could not write the sink's heartbeat", exc_info=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=settings.heartbeat_interval_s)

    beating = asyncio.create_task(beat())
    try:
        await sink.consumer.run(stop)
    finally:
        stop.set()
        await beating
        with contextlib.suppress(Exception):
            await asyncio.to_thread(heartbeats.remove, COMPONENT, instance)
        engine.dispose()


def run(settings: Settings) -> None:
    """Run until SIGTERM/SIGINT."""
    configure_logging(settings.log_level, settings.log_format)
    configure_tracing("wijkbrug-sink")
    configure_metrics("wijkbrug-sink")

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await serve(settings, stop)

    asyncio.run(main())
