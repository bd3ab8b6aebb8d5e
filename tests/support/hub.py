"""A running `wijkbrug up` as a test sees it: a base URL, the CLI on the same deployment, an HTTP client."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil
from click.testing import CliRunner

from services.cli.main import cli as cli_group
from services.process.children import free_port
from tests.support.waiting import eventually

CLI = [sys.executable, "-m", "services.cli.main"]


@dataclass
class Hub:
    """A deployment under test."""

    base_url: str
    data_dir: Path
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    tokens: dict[str, str] = field(default_factory=dict)

    def cli(
        self, *args: str, stdin: str | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """Run `wijkbrug ARGS --data-dir D` against this deployment."""
        result = subprocess.run(
            [*CLI, *args, "--data-dir", str(self.data_dir)],
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"wijkbrug {' '.join(args)} failed: {result.stderr}")
        return result

    def cli_in_process(self, *args: str, stdin: str | None = None) -> str:
        """Run `wijkbrug ARGS --data-dir D` in this process (the same command, without a new interpreter)."""
        result = CliRunner().invoke(
            cli_group,
            [*args, "--data-dir", str(self.data_dir)],
            env=self.env,
            input=stdin,
            catch_exceptions=False,
        )
        if result.exit_code != 0:
            raise AssertionError(f"wijkbrug {' '.join(args)} failed: {result.output}")
        return result.stdout

    def add_org(self, slug: str, domain: str) -> str:
        """Register an organisation through the CLI; returns its token."""
        document = json.loads(self.cli_in_process("org", "add", slug, "--domain", domain, "--json"))
        token = str(document["token"])
        self.tokens[slug] = token
        return token

    def add_user(self, name: str, role: str, *extra: str, password: str | None = None) -> str:
        """Create a user through the CLI; returns its API token."""
        args = ["user", "add", name, "--role", role, *extra, "--json"]
        if password is not None:
            args.append("--password-stdin")
        document = json.loads(self.cli_in_process(*args, stdin=(password + "\n") if password else None))
        token = str(document["token"])
        self.tokens[name] = token
        return token

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=30.0)

    def post_events(
        self, token: str, events: Sequence[Mapping[str, Any]] | Mapping[str, Any]
    ) -> httpx.Response:
        """POST one event (a mapping) or a batch (a sequence)."""
        content_type = (
            "application/cloudevents+json"
            if isinstance(events, Mapping)
            else "application/cloudevents-batch+json"
        )
        with self.client(token) as client:
            return client.post(
                "/api/v1/events", content=json.dumps(events), headers={"Content-Type": content_type}
            )

    def escalations(self, token: str, **filters: str) -> list[dict[str, Any]]:
        with self.client(token) as client:
            response = client.get("/api/v1/escalations", params={"limit": "500", **filters})
        response.raise_for_status()
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    def health(self) -> dict[str, Any]:
        """The body of GET /healthz (whatever its status)."""
        body: dict[str, Any] = httpx.get(f"{self.base_url}/healthz", timeout=10).json()
        return body

    def service(self, name: str) -> psutil.Process:
        """The one child process of the hub that runs `wijkbrug NAME` (processor, sink, gateway, ...)."""
        children = psutil.Process(self.process.pid).children(recursive=True)
        found = [child for child in children if name in child.cmdline()]
        assert len(found) == 1, [child.cmdline() for child in children]
        return found[0]

    def log(self, name: str) -> str:
        path = self.data_dir / "logs" / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""


def hub_environment(data_dir: Path, database_url: str, bootstrap: str | None, prefix: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("WIJKBRUG_", "OTEL_"))}
    env.update(
        {
            "WIJKBRUG_DATA_DIR": str(data_dir),
            "WIJKBRUG_DATABASE_URL": database_url,
            "WIJKBRUG_TOPIC_PREFIX": prefix,
            "WIJKBRUG_HEARTBEAT_INTERVAL_S": "1",
            "WIJKBRUG_PARTITIONS_EVENTS": "4",
            "WIJKBRUG_PARTITIONS_INBOUND": "2",
            "WIJKBRUG_PARTITIONS_ESCALATIONS": "2",
            "WIJKBRUG_PARTITIONS_DECISIONS": "2",
            "WIJKBRUG_PARTITIONS_DEADLETTER": "1",
        }
    )
    if bootstrap is not None:
        env["WIJKBRUG_KAFKA_BOOTSTRAP"] = bootstrap
    return env


@contextmanager
def start_hub(
    data_dir: Path,
    *,
    database_url: str,
    bootstrap: str | None,
    prefix: str | None = None,
    extra_env: Mapping[str, str] | None = None,
    timeout: float = 120.0,
) -> Iterator[Hub]:
    """Run `wijkbrug up` until the block ends; wait for /healthz 200 first."""
    port = free_port()
    env = hub_environment(data_dir, database_url, bootstrap, prefix or f"t{uuid.uuid4().hex[:8]}.")
    env.update(extra_env or {})
    log = (data_dir / "up.log").open("wb")
    process = subprocess.Popen(
        [*CLI, "up", "--data-dir", str(data_dir), "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    hub = Hub(base_url=f"http://127.0.0.1:{port}", data_dir=data_dir, env=env, process=process)
    try:
        try:
            eventually(
                lambda: _health(hub),
                until=lambda status: status == 200 or process.poll() is not None,
                timeout=timeout,
                interval=0.25,
                what="the hub becoming healthy",
            )
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{_diagnosis(hub)}") from None
        if process.poll() is not None:
            raise AssertionError(
                f"wijkbrug up exited with {process.returncode}: {(data_dir / 'up.log').read_text()}"
            )
        yield hub
    finally:
        stop_hub(hub)
        log.close()


def stop_hub(hub: Hub, timeout: float = 60.0) -> int:
    """SIGTERM the supervisor and wait; SIGKILL if it does not stop in time."""
    if hub.process.poll() is None:
        hub.process.send_signal(signal.SIGTERM)
        try:
            return hub.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            hub.process.kill()
            return hub.process.wait()
    return hub.process.returncode


def _health(hub: Hub) -> int:
    try:
        return httpx.get(f"{hub.base_url}/healthz", timeout=2.0).status_code
    except httpx.HTTPError:
        return 0


def _diagnosis(hub: Hub, lines: int = 30) -> str:
    """What a hub that did not become healthy says of itself: its /healthz body, its logs' last lines."""
    try:
        parts = [f"/healthz: {json.dumps(hub.health())}"]
    except (httpx.HTTPError, ValueError) as exc:
        parts = [f"/healthz could not be read: {exc!r}"]
    for path in sorted([hub.data_dir / "up.log", *(hub.data_dir / "logs").glob("*.log")]):
        if path.exists():
            tail = path.read_text(errors="replace").splitlines()[-lines:]
            parts.append(f"---- {path.name} (last {len(tail)} lines) ----\n" + "\n".join(tail))
    return "\n".join(parts)
