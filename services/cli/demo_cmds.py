"""`wijkbrug demo`: `wijkbrug up` plus the demo scenario, for a first look."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import click
import httpx

from services.cli.common import deployment_option, domain_errors, load_settings
from services.config import Settings
from services.demo.loader import load_demo
from services.demo.scenario import DEMO_PASSWORD, ORGANISATIONS, USERS
from services.deployment import open_deployment
from services.logs import configure_logging


@click.command()
@deployment_option
@click.option("--host", default=None, help="Interface of the dashboard (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port of the dashboard (default 8080).")
@domain_errors
def demo(data_dir: Path | None, host: str | None, port: int | None) -> None:
    """Run everything embedded and load a demo scenario for Amsterdam; Ctrl-C stops it."""
    from services.supervisor.up import run

    settings = load_settings(data_dir=data_dir, host=host, port=port)
    configure_logging(settings.log_level)
    threading.Thread(target=_load_when_ready, args=(settings,), daemon=True, name="demo-loader").start()
    raise SystemExit(run(settings))


def _load_when_ready(settings: Settings) -> None:
    url = f"http://{settings.host}:{settings.port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=2.0).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    else:
        click.echo("the hub did not become healthy; the demo scenario was not loaded", err=True)
        return
    deployment = open_deployment(settings, migrate=False)
    try:
        loaded = load_demo(deployment, url)
    finally:
        deployment.close()
    names = ", ".join(user.name for user in USERS)
    click.echo(
        "\n"
        f"  wijkbrug demo: {loaded.events} events from {len(ORGANISATIONS)} partners' systems loaded\n"
        f"  dashboard:     {url}/\n"
        f"  log in as:     {names}  (password: {DEMO_PASSWORD})\n"
        f"  stop:          Ctrl-C\n",
        err=False,
    )
