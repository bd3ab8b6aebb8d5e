"""`wijkbrug connector ...`: run, check, status, pause, resume and reset connectors."""

from __future__ import annotations

import asyncio
import functools
import signal
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

import click

from connectors.assembly import Runnable, runner_for
from connectors.control import Control, apply_control
from connectors.errors import ConnectorError, UnknownConnectorError
from connectors.kinds.zgw import ZgwConfig
from connectors.kinds.zgw_abonnement import subscribe
from connectors.model import ConnectorStatus, State
from connectors.registry import kind_of, load_config, load_directory
from connectors.runner import EXIT_FAILED
from connectors.state_sql import SqlConnectorStateStore
from services.cli.common import deployment_option, domain_errors, emit_json, load_settings
from services.deployment import open_deployment
from services.logs import configure_logging
from services.process.gc_tuning import tune_for_batches
from services.telemetry.metrics import configure_metrics, observe

P = ParamSpec("P")
T = TypeVar("T")


def connector_errors(function: Callable[P, T]) -> Callable[P, T]:
    """Report a ConnectorError (a bad file, an unknown connector) as one line and exit status 1."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return function(*args, **kwargs)
        except ConnectorError as exc:
            raise click.ClickException(str(exc)) from exc

    return wrapper


@click.group()
def connector() -> None:
    """Connectors: partner systems in, decisions out."""


@connector.command("run")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--once", is_flag=True, help="Take what the source has now, then exit (backfills, tests).")
@deployment_option
@domain_errors
@connector_errors
def run(file: Path, once: bool, data_dir: Path | None) -> None:
    """Run the connector that FILE configures, until Ctrl-C or SIGTERM."""
    settings = load_settings(data_dir=data_dir)
    configure_logging(settings.log_level, settings.log_format)
    config = load_config(file)
    deployment = open_deployment(settings)
    try:
        runner = runner_for(file, config, settings, deployment)
        configure_metrics(f"wijkbrug-connector-{config.name}")
        observe(
            "wijkbrug.connector.up",
            "1 for the state the connector is in, 0 for the others",
            lambda: [
                (1.0 if runner.state is state else 0.0, {"connector": config.name, "state": state.value})
                for state in State
            ],
        )
        tune_for_batches()
        final = asyncio.run(_run_until_signal(runner, once))
        status = SqlConnectorStateStore(deployment.sessions).get(config.name)
    finally:
        deployment.close()
    if final is State.FAILED:
        reason = status.last_error if status is not None else "unknown"
        click.echo(f"Error: connector {config.name} failed: {reason}", err=True)
        raise SystemExit(EXIT_FAILED)


async def _run_until_signal(runner: Runnable, once: bool) -> State:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    return await runner.run(stop, once=once)


@connector.command("check")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@connector_errors
def check(paths: tuple[Path, ...]) -> None:
    """Validate connector files (or every file in a directory)."""
    count = 0
    for path in paths:
        configs = load_directory(path) if path.is_dir() else {path: load_config(path)}
        for file, config in configs.items():
            kind_of(config.kind, str(file))
            click.echo(f"{file}: {config.name} ({config.kind}, org {config.org}) ok")
            count += 1
    click.echo(f"{count} connector file(s) valid")


@connector.command("status")
@click.argument("name", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@deployment_option
@domain_errors
@connector_errors
def status(name: str | None, as_json: bool, data_dir: Path | None) -> None:
    """State, last success, counts and checkpoint of every connector (or of NAME)."""
    deployment = open_deployment(load_settings(data_dir=data_dir))
    try:
        store = SqlConnectorStateStore(deployment.sessions)
        statuses = store.all() if name is None else [_one(store, name)]
    finally:
        deployment.close()
    if as_json:
        emit_json([item.as_json() for item in statuses])
        return
    if not statuses:
        click.echo("no connector has run in this deployment")
    for item in statuses:
        click.echo(_describe(item))


def _one(store: SqlConnectorStateStore, name: str) -> ConnectorStatus:
    found = store.get(name)
    if found is None:
        raise UnknownConnectorError(f"no connector named {name!r} has run in this deployment")
    return found


def _describe(item: ConnectorStatus) -> str:
    state = (
        f"{item.state.value} (paused)" if item.paused and item.state is not State.PAUSED else item.state.value
    )
    lines = [
        f"{item.name}  {item.kind}  org {item.org}  {state}",
        f"  emitted {item.emitted}, dead-lettered {item.dead_lettered}, retried {item.retried}",
        f"  last success: {item.last_success_at.isoformat() if item.last_success_at else 'never'}",
        f"  checkpoint: {dict(item.checkpoint) if item.checkpoint is not None else 'none'}",
    ]
    if item.last_error:
        lines.append(f"  last error: {item.last_error}")
    return "\n".join(lines)


def _control(control: Control) -> Callable[[str, Path | None], None]:
    def command(name: str, data_dir: Path | None) -> None:
        deployment = open_deployment(load_settings(data_dir=data_dir))
        try:
            apply_control(SqlConnectorStateStore(deployment.sessions), name, control)
        finally:
            deployment.close()
        click.echo(f"{name}: {control.value} requested")

    return command


for _each, _help in (
    (Control.PAUSE, "Pause NAME: it stops polling (or consuming) until resumed."),
    (Control.RESUME, "Resume NAME after a pause."),
    (Control.RESTART, "Restart NAME after it failed (under `wijkbrug up`, the supervisor starts it again)."),
    (
        Control.RESET,
        "Forget NAME's checkpoint: it reads its source from the start (the hub drops what it has).",
    ),
):
    connector.command(_each.value, help=_help)(
        click.argument("name")(deployment_option(domain_errors(connector_errors(_control(_each)))))
    )


@connector.command("zgw-subscribe")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--nrc", required=True, help="Base URL of the NRC (Open Notificaties).")
@click.option("--client-id", required=True, help="The client id the NRC knows wijkbrug by.")
@click.option("--secret-env", required=True, help="Environment variable with the client's JWT secret.")
@click.option("--callback-url", required=True, help="The public URL of this connector's callback.")
@connector_errors
def zgw_subscribe(file: Path, nrc: str, client_id: str, secret_env: str, callback_url: str) -> None:
    """Register FILE's ZGW callback at an NRC (the gateway must be reachable: the NRC tests it)."""
    config = load_config(file)
    if not isinstance(config, ZgwConfig):
        raise click.UsageError(f"{file} is not a zgw-notificaties connector")
    click.echo(
        subscribe(
            config,
            str(file),
            nrc_url=nrc,
            client_id=client_id,
            secret_env=secret_env,
            callback_url=callback_url,
        )
    )
