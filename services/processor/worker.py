"""`wijkbrug processor`: one processor worker (router + rule engine); run more for more parallelism."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from dataclasses import asdict
from datetime import timedelta
from typing import Any

import faust

from services.broker.admin import ensure_topics
from services.broker.discovery import resolve_bootstrap
from services.broker.errors import BrokerUnavailableError
from services.broker.topics import Topology
from services.config import Settings
from services.db.engine import create_db_engine, create_session_factory
from services.directory.sql import SqlDirectoryStore
from services.geo.registry import BuurtRegistry
from services.geo.store import SqlBuurtStore
from services.health.heartbeats import READY, STARTING, SqlHeartbeatStore
from services.logs import configure_logging
from services.processor.app import create_processor_app, send_clock
from services.processor.lag import rules_lag
from services.processor.orgs import OrganisationCache
from services.processor.router_service import RouterService
from services.processor.routing import Router
from services.rules.engine import RuleEngine
from services.rules.loader import load_rules
from services.telemetry.metrics import LAG_DESCRIPTION, LAG_GAUGE, LAG_GAUGE_RULES, configure_metrics, observe
from services.telemetry.tracing import configure_tracing

log = logging.getLogger(__name__)

COMPONENT = "processor"
CLOCK_INTERVAL_S = 1.0
STORES = {"memory": "memory://", "rocksdb": "rocksdb://"}


def build_worker(settings: Settings) -> faust.Worker:
    """A faust worker with the rule engine agent, the router task and the heartbeat timer."""
    bootstrap = resolve_bootstrap(settings)
    if bootstrap is None:
        raise BrokerUnavailableError("no broker: set WIJKBRUG_KAFKA_BOOTSTRAP or start `wijkbrug up`")
    engine = create_db_engine(settings.sqlalchemy_url())
    sessions = create_session_factory(engine)
    registry = BuurtRegistry(SqlBuurtStore(sessions).load_all())
    organisations = OrganisationCache(SqlDirectoryStore(sessions).organisations)
    heartbeats = SqlHeartbeatStore(sessions)
    topology = Topology.from_settings(settings)
    # Before faust touches them (a broker that auto-creates topics would pick its own partition counts).
    ensure_topics(bootstrap, topology.core_specs())
    rule_engine = RuleEngine(
        load_rules(settings.rules_dir),
        allowed_lateness=timedelta(days=settings.rules_allowed_lateness_days),
    )
    processor = create_processor_app(
        bootstrap=bootstrap,
        topology=topology,
        engine=rule_engine,
        data_dir=settings.data_dir,
        store=STORES[settings.state_store],
    )
    app, counters = processor.app, processor.counters
    router_service = RouterService(
        bootstrap=bootstrap, topology=topology, router=Router(topology, registry, organisations.get)
    )
    instance = f"{socket.gethostname()}:{os.getpid()}"
    observe(LAG_GAUGE, LAG_DESCRIPTION, router_service.consumer.lag_observations)
    observe(LAG_GAUGE_RULES, LAG_DESCRIPTION, lambda: rules_lag(app, topology, processor.positions))
    stop = asyncio.Event()
    assignment: set[Any] = set()

    async def route() -> None:
        try:
            await router_service.run(stop)
        finally:
            stop.set()

    async def clock() -> None:
        current = set(app.consumer.assignment())
        if current != assignment:
            # Partitions moved: the deadline index is rebuilt from the table on the next tick.
            processor.index.clear()
            assignment.clear()
            assignment.update(current)
        if not app.rebalancing:
            await send_clock(processor, topology.events)

    async def heartbeat() -> None:
        ready = not app.rebalancing and router_service.consumer.joined
        detail: dict[str, Any] = {
            **asdict(counters),
            "partitions": sum(1 for tp in app.consumer.assignment() if tp.topic == topology.events),
            "routed": router_service.routed,
            "dead_lettered": router_service.dead_lettered,
            "router_lag": await router_service.consumer.lag(),
        }
        try:
            await asyncio.to_thread(
                heartbeats.beat, COMPONENT, instance, READY if ready else STARTING, detail
            )
        except Exception:  # the database may be away for a while; processing goes on without it
            log.warning("could not write the processor's heartbeat", exc_info=True)

    app.task(route)
    app.timer(CLOCK_INTERVAL_S)(clock)
    app.timer(settings.heartbeat_interval_s)(heartbeat)
    # The process configured logging already (text or JSON lines with trace ids): faust keeps it, and its
    # terminal spinner would write cursor codes into the log stream.
    worker = faust.Worker(
        app, loglevel=settings.log_level, quiet=True, redirect_stdouts=False, override_logging=False
    )
    worker.spinner = None
    return worker


def run(settings: Settings) -> None:
    """Run one worker until SIGTERM/SIGINT."""
    configure_logging(settings.log_level, settings.log_format)
    configure_tracing("wijkbrug-processor")
    configure_metrics("wijkbrug-processor")
    build_worker(settings).execute_from_commandline()
