"""`wijkbrug up`, and the single services it runs: `gateway`, `processor`, `sink`, plus `db upgrade`."""

from __future__ import annotations

from pathlib import Path

import click

from connectors.registry import load_directory
from services.cli.common import deployment_option, domain_errors, load_settings
from services.cli.connector_cmds import connector_errors
from services.deployment import open_deployment
from services.logs import configure_logging
from services.startup import wait_for_dependencies


@click.command()
@deployment_option
@click.option("--host", default=None, help="Interface of the gateway and dashboard (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port of the gateway and dashboard (default 8080).")
@click.option(
    "--processors", type=int, default=None, help="Processor workers (default 1; they share partitions)."
)
@click.option(
    "--connectors",
    "connectors_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Run every connector file in this directory beside the hub.",
)
@domain_errors
@connector_errors
def up(
    data_dir: Path | None,
    host: str | None,
    port: int | None,
    processors: int | None,
    connectors_dir: Path | None,
) -> None:
    """Run everything: broker (embedded unless configured), gateway+dashboard, processor, sink, connectors."""
    from services.supervisor.up import run

    settings = load_settings(
        data_dir=data_dir,
        host=host,
        port=port,
        processors=processors,
        connectors_dir=connectors_dir.resolve() if connectors_dir is not None else None,
    )
    if settings.connectors_dir is not None:
        load_directory(settings.connectors_dir)  # refuse bad files before anything starts
    configure_logging(settings.log_level, settings.log_format)
    raise SystemExit(run(settings))


@click.command()
@deployment_option
@click.option("--host", default=None, help="Interface to listen on.")
@click.option("--port", type=int, default=None, help="Port to listen on.")
@domain_errors
def gateway(data_dir: Path | None, host: str | None, port: int | None) -> None:
    """Run the gateway, the API and the dashboard (stateless; run as many as you like)."""
    from services.gateway.app import create_app
    from services.gateway.serving import gateway_server
    from services.telemetry.metrics import configure_metrics
    from services.telemetry.tracing import configure_tracing

    settings = load_settings(data_dir=data_dir, host=host, port=port)
    configure_logging(settings.log_level, settings.log_format)
    configure_tracing("wijkbrug-gateway")
    configure_metrics("wijkbrug-gateway")
    wait_for_dependencies(settings)
    gateway_server(create_app(settings), host=settings.host, port=settings.port).run()


@click.command()
@deployment_option
@domain_errors
def processor(data_dir: Path | None) -> None:
    """Run one processor worker (router and rule engine); more workers share the partitions."""
    from services.processor.worker import run

    settings = load_settings(data_dir=data_dir)
    configure_logging(settings.log_level, settings.log_format)
    wait_for_dependencies(settings)
    run(settings)


@click.command()
@deployment_option
@domain_errors
def sink(data_dir: Path | None) -> None:
    """Run one escalation service instance."""
    from services.sink.worker import run

    settings = load_settings(data_dir=data_dir)
    configure_logging(settings.log_level, settings.log_format)
    wait_for_dependencies(settings)
    run(settings)


@click.group()
def db() -> None:
    """The deployment's database."""


@db.command("upgrade")
@deployment_option
@domain_errors
def db_upgrade(data_dir: Path | None) -> None:
    """Apply the migrations (and seed the demo buurten into an empty deployment)."""
    settings = load_settings(data_dir=data_dir)
    configure_logging(settings.log_level, settings.log_format)
    wait_for_dependencies(settings, broker=False)
    deployment = open_deployment(settings)
    deployment.close()
    click.echo("database is at the newest schema")


@click.group()
def topics() -> None:
    """The deployment's Kafka topics."""


@topics.command("ensure")
@deployment_option
@domain_errors
def topics_ensure(data_dir: Path | None) -> None:
    """Create every topic of the deployment (core and one inbound topic per organisation) if missing."""
    from services.broker.admin import ensure_topics
    from services.broker.discovery import resolve_bootstrap
    from services.broker.errors import BrokerUnavailableError
    from services.broker.topics import Topology
    from services.directory.sql import SqlDirectoryStore

    settings = load_settings(data_dir=data_dir)
    bootstrap = resolve_bootstrap(settings)
    if bootstrap is None:
        raise BrokerUnavailableError("no broker: set WIJKBRUG_KAFKA_BOOTSTRAP or start `wijkbrug up`")
    deployment = open_deployment(settings)
    try:
        slugs = [org.slug for org in SqlDirectoryStore(deployment.sessions).organisations()]
    finally:
        deployment.close()
    created = ensure_topics(bootstrap, Topology.from_settings(settings).all_specs(slugs))
    click.echo(f"created {len(created)} topic(s): {', '.join(created)}" if created else "every topic exists")
