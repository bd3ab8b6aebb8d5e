"""Wiring a connector from its file and the deployment's settings: connector, sink and state store."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Protocol

from connectors.base import ConnectorContext, SourceConnector
from connectors.config import ConnectorConfig, GatewaySink
from connectors.errors import ConfigError
from connectors.gateway_client import GatewayClient
from connectors.model import State
from connectors.pseudonym import Pseudonymiser
from connectors.registry import kind_of, resolve
from connectors.runner import ConnectorRunner
from connectors.sinks import EventSink, HubSink
from connectors.sinks import GatewaySink as GatewayEventSink
from connectors.state_sql import SqlConnectorStateStore
from services.broker.discovery import resolve_bootstrap
from services.broker.publisher import KafkaPublisher
from services.broker.topics import Topology
from services.config import Settings
from services.deployment import Deployment
from services.directory.sql import SqlDirectoryStore
from services.gateway.ingest import IngestService
from services.gateway.topics import InboundTopics
from services.geo.registry import BuurtRegistry
from services.geo.store import SqlBuurtStore
from services.ingest.pool import CheckPool
from services.journal.sql import SqlJournalStore


def context_for(path: Path, config: ConnectorConfig) -> ConnectorContext:
    """The context a connector of `config` gets (its pseudonymiser, if it has a key)."""
    file = str(path)
    pseudonymiser = (
        Pseudonymiser.from_env(config.pseudonymisation.key_env, file=file)
        if config.pseudonymisation is not None
        else None
    )
    return ConnectorContext(file=file, pseudonymiser=pseudonymiser)


def hub_sink(config: ConnectorConfig, file: str, settings: Settings, deployment: Deployment) -> HubSink:
    """A sink into this deployment's hub, as the connector's organisation."""
    org = SqlDirectoryStore(deployment.sessions).organisation(config.org)
    if org is None:
        raise ConfigError(
            file, "org", f"no organisation {config.org!r} in this deployment (wijkbrug org add)"
        )
    bootstrap = resolve_bootstrap(settings)
    if bootstrap is None:
        raise ConfigError(file, "sink", "no broker: run `wijkbrug up` or set WIJKBRUG_KAFKA_BOOTSTRAP")
    topology = Topology.from_settings(settings)
    publisher = KafkaPublisher(
        bootstrap, timeout_s=settings.produce_timeout_s, client_id=f"connector-{config.name}"
    )
    registry = BuurtRegistry(SqlBuurtStore(deployment.sessions).load_all())
    processes = settings.connector_check_processes
    ingest = IngestService(
        journal=SqlJournalStore(deployment.sessions),
        publisher=publisher,
        registry=registry,
        topology=topology,
        inbound_topics=InboundTopics(bootstrap, topology, timeout_s=settings.produce_timeout_s),
        pool=CheckPool(registry, processes=processes, min_batch=settings.connector_check_min_batch)
        if processes
        else None,
    )
    return HubSink(org=org, ingest=ingest, publisher=publisher, topology=topology)


def sink_for(
    config: ConnectorConfig, file: str, settings: Settings, deployment: Deployment
) -> EventSink[Any]:
    """The sink that the connector's file asks for."""
    if isinstance(config.sink, GatewaySink):
        target = config.sink.gateway
        client = GatewayClient(target.url, target.token(file).get_secret_value())
        return GatewayEventSink(client, settings.data_dir / "deadletter" / f"{config.name}.jsonl")
    return hub_sink(config, file, settings, deployment)


def source_runner(
    path: Path, config: ConnectorConfig, settings: Settings, deployment: Deployment
) -> ConnectorRunner:
    """The runner of a source connector (`kind` in mode "source")."""
    file = str(path)
    kind = kind_of(config.kind, file)
    if kind.mode != "source":
        raise ConfigError(file, "kind", f"a {config.kind} connector is not polled: {_how(kind.mode)}")
    implementation: type[SourceConnector[Any]] = resolve(kind.implementation)
    connector = implementation(config, context_for(path, config))
    sink = sink_for(config, file, settings, deployment)
    return ConnectorRunner(connector, sink, SqlConnectorStateStore(deployment.sessions))


class Runnable(Protocol):
    """A connector that `wijkbrug connector run` can drive."""

    async def run(self, stop: asyncio.Event, *, once: bool = False) -> State:
        """Run until `stop` (or, with `once`, until caught up); the final state."""
        ...

    @property
    def state(self) -> State | None:
        """The state the connector is in now (None before it started)."""
        ...


def runner_for(path: Path, config: ConnectorConfig, settings: Settings, deployment: Deployment) -> Runnable:
    """The runner for a connector file of any kind that runs on its own."""
    kind = kind_of(config.kind, str(path))
    if kind.mode == "source":
        return source_runner(path, config, settings, deployment)
    if kind.mode == "decisions":
        from connectors.kinds.webhook_out import webhook_out_runner

        return _Continuous(webhook_out_runner(path, config, settings, deployment), str(path))
    raise ConfigError(
        str(path), "kind", f"a {config.kind} connector does not run on its own: {_how(kind.mode)}"
    )


class _Consumer(Protocol):
    async def run(self, stop: asyncio.Event) -> None: ...

    @property
    def state(self) -> State | None: ...


class _Continuous:
    """A connector that consumes a topic until stopped (it has no "what is there now" to stop after)."""

    def __init__(self, consumer: _Consumer, file: str) -> None:
        self._consumer = consumer
        self._file = file

    async def run(self, stop: asyncio.Event, *, once: bool = False) -> State:
        if once:
            raise ConfigError(self._file, "kind", "a connector that consumes buurt.decisions has no --once")
        await self._consumer.run(stop)
        return State.STOPPED

    @property
    def state(self) -> State | None:
        """The state the connector is in now."""
        return self._consumer.state


def _how(mode: str) -> str:
    if mode == "callback":
        return "the gateway serves its callback (run `wijkbrug up --connectors DIR` or `wijkbrug gateway`)"
    return "it consumes buurt.decisions"
