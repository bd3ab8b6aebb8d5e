"""`wijkbrug up`: the broker, the gateway+dashboard, the processor and the sink as one process tree.

The supervisor prepares the deployment (migrations, reference data, topics), starts each service as a
child process, restarts what crashes, and on SIGTERM/SIGINT stops them in order: the gateway first (no
new work), then the processor and the sink (a grace, then SIGKILL: a faust worker may ignore SIGTERM),
then the broker. Children are in their own session, so Ctrl-C reaches only the supervisor, and they are
told by the kernel to terminate if the supervisor itself dies (no orphans).

The embedded broker keeps everything in memory. When it dies the supervisor starts a new one on the
same address, refills it from the ingest journal and restarts the processor and the sink, whose state
lived in the old broker: everything that was 202-accepted is processed again, and the idempotent stages
downstream make that harmless.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

import httpx
from sqlalchemy.orm import Session, sessionmaker

from connectors.model import State
from connectors.registry import KINDS, load_directory
from connectors.runner import EXIT_FAILED
from connectors.state_sql import SqlConnectorStateStore
from services.broker.admin import ensure_topics
from services.broker.discovery import announce_embedded, withdraw_embedded
from services.broker.embedded import EmbeddedBroker
from services.broker.topics import Topology
from services.config import Settings
from services.deployment import Deployment, open_deployment
from services.directory.sql import SqlDirectoryStore
from services.journal.replay import replay_journal
from services.journal.sql import SqlJournalStore
from services.process.children import spawn, stop

log = logging.getLogger(__name__)

WORKER_GRACE_S = 10.0
GATEWAY_GRACE_S = 5.0
MAX_BACKOFF_S = 30.0
STABLE_AFTER_S = 60.0
RESTART_POLL_S = 2.0


@dataclass
class Child:
    """A supervised service process."""

    name: str
    argv: list[str]
    grace_s: float
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    failures: int = 0
    restart_at: float = 0.0
    log_file: Path = field(default_factory=Path)
    #: For a connector: its name; a connector that failed for good waits for `connector restart`.
    connector: str | None = None
    halted: bool = False

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


def child_environment(settings: Settings, bootstrap: str) -> dict[str, str]:
    """The environment that makes a child act on this deployment and this broker."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("WIJKBRUG_")}
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        if hasattr(value, "get_secret_value"):
            value = value.get_secret_value()
        env[f"WIJKBRUG_{name.upper()}"] = str(value)
    env["WIJKBRUG_KAFKA_BOOTSTRAP"] = bootstrap
    return env


class Supervisor:
    """Runs one deployment until told to stop."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.topology = Topology.from_settings(settings)
        self.logs = settings.data_dir / "logs"
        self._stop = threading.Event()
        self._broker: EmbeddedBroker | None = None
        self._children: list[Child] = []
        self._bootstrap = ""
        # Opened when a connector has failed for good, to watch for `connector restart` every few seconds.
        self._states_deployment: Deployment | None = None
        self._connector_states: SqlConnectorStateStore | None = None

    # lifecycle -----------------------------------------------------------------------------------

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        try:
            self._prepare()
            self._start_children()
            self._announce_when_ready()
            while not self._stop.wait(0.5):
                self._watch()
        finally:
            self._shutdown()
        return 0

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        log.info("received %s: stopping", signal.Signals(signum).name)
        self._stop.set()

    def _prepare(self) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        deployment = open_deployment(self.settings)
        try:
            if self.settings.kafka_bootstrap:
                self._bootstrap = self.settings.kafka_bootstrap
                self._create_topics(deployment_orgs(deployment.sessions))
            else:
                self._forget_local_state()
                self._broker = EmbeddedBroker(
                    port=self.settings.broker_port, log_file=self.logs / "broker.log"
                )
                self._bootstrap = self._broker.start()
                self._refill(deployment_orgs(deployment.sessions))
                announce_embedded(self.settings, self._bootstrap)
        finally:
            deployment.close()

    def _forget_local_state(self) -> None:
        """A new embedded broker starts empty: local rule state (RocksDB) from before would not match it."""
        shutil.rmtree(self.settings.data_dir / "faust", ignore_errors=True)

    def _create_topics(self, orgs: list[str]) -> None:
        ensure_topics(self._bootstrap, self.topology.all_specs(orgs))

    def _refill(self, orgs: list[str]) -> None:
        """Topics first (before any client can auto-create them), then the journal."""
        self._create_topics(orgs)
        deployment = open_deployment(self.settings, migrate=False)
        try:
            replay_journal(SqlJournalStore(deployment.sessions), self._bootstrap)
        finally:
            deployment.close()

    def _start_children(self) -> None:
        python = sys.executable
        cli = [python, "-m", "services.cli.main"]
        data_dir = ["--data-dir", str(self.settings.data_dir)]
        processors = [
            Child(
                f"processor-{number}" if number > 1 else "processor",
                [*cli, "processor", *data_dir],
                WORKER_GRACE_S,
            )
            for number in range(1, self.settings.processors + 1)
        ]
        connectors = [
            Child(
                f"connector-{name}",
                [*cli, "connector", "run", str(path), *data_dir],
                WORKER_GRACE_S,
                connector=name,
            )
            for path, name in self._connector_files()
        ]
        self._children = [
            *processors,
            *connectors,
            Child("sink", [*cli, "sink", *data_dir], WORKER_GRACE_S),
            Child(
                "gateway",
                [*cli, "gateway", *data_dir, "--host", self.settings.host, "--port", str(self.settings.port)],
                GATEWAY_GRACE_S,
            ),
        ]
        for child in self._children:
            child.log_file = self.logs / f"{child.name}.log"
            self._start(child)

    def _connector_files(self) -> list[tuple[Path, str]]:
        """The connector files that run as processes of their own (ZGW callbacks are the gateway's)."""
        if self.settings.connectors_dir is None:
            return []
        configs = load_directory(self.settings.connectors_dir)
        return [
            (path, config.name) for path, config in configs.items() if KINDS[config.kind].mode != "callback"
        ]

    def _start(self, child: Child) -> None:
        env = child_environment(self.settings, self._bootstrap)
        child.process = spawn(child.argv, env=env, log=child.log_file, new_session=True)
        child.started_at = time.monotonic()
        log.info("started %s (pid %d, log %s)", child.name, child.process.pid, child.log_file)

    def _announce_when_ready(self) -> None:
        url = f"http://{self.settings.host}:{self.settings.port}"
        deadline = time.monotonic() + 120
        while not self._stop.is_set() and time.monotonic() < deadline:
            if _healthy(url):
                print(f"wijkbrug is ready: {url}/  (health: {url}/healthz, logs: {self.logs})", flush=True)
                return
            self._watch()
            self._stop.wait(0.5)
        if not self._stop.is_set():
            log.warning("not healthy after 120 s; see %s/healthz and the logs in %s", url, self.logs)

    # watching ------------------------------------------------------------------------------------

    def _watch(self) -> None:
        if self._broker is not None and not self._broker.running() and not self._stop.is_set():
            self._recover_broker()
        now = time.monotonic()
        for child in self._children:
            if child.running() or self._stop.is_set():
                continue
            if child.halted:
                if now >= child.restart_at:
                    child.restart_at = now + RESTART_POLL_S
                    if self._restart_requested(child):
                        child.halted, child.failures = False, 0
                        self._start(child)
                continue
            if child.process is not None:
                status = child.process.returncode
                child.process = None
                if child.connector is not None and status == EXIT_FAILED:
                    log.error(
                        "%s failed for good; `wijkbrug connector restart %s` restarts it",
                        child.name,
                        child.connector,
                    )
                    child.halted = True
                    child.restart_at = now + RESTART_POLL_S
                    continue
                child.failures = 0 if now - child.started_at > STABLE_AFTER_S else child.failures + 1
                delay = min(MAX_BACKOFF_S, 2.0 ** max(0, child.failures - 1)) if child.failures else 0.0
                child.restart_at = now + delay
                log.warning("%s exited with status %s; restarting in %.0f s", child.name, status, delay)
            if now >= child.restart_at:
                self._start(child)

    def _restart_requested(self, child: Child) -> bool:
        if self._connector_states is None:
            self._states_deployment = open_deployment(self.settings, migrate=False)
            self._connector_states = SqlConnectorStateStore(self._states_deployment.sessions)
        status = self._connector_states.get(child.connector or "")
        return status is None or status.state is not State.FAILED

    def _recover_broker(self) -> None:
        if self._broker is None:
            return
        log.warning("the embedded broker died; restarting it and refilling it from the journal")
        workers = [child for child in self._children if child.name != "gateway" and not child.halted]
        for child in workers:
            if child.process is not None:
                stop(child.process, child.grace_s)
                child.process = None
        self._forget_local_state()
        while not self._stop.is_set():
            try:
                self._broker.start()
                deployment = open_deployment(self.settings, migrate=False)
                try:
                    orgs = deployment_orgs(deployment.sessions)
                finally:
                    deployment.close()
                self._refill(orgs)
                break
            except Exception:
                log.exception("could not restart the embedded broker; retrying")
                self._broker.stop()
                self._stop.wait(2.0)
        for child in workers:
            child.failures = 0
            child.restart_at = 0.0
            if not self._stop.is_set():
                self._start(child)

    # stopping ------------------------------------------------------------------------------------

    def _shutdown(self) -> None:
        for child in sorted(self._children, key=lambda c: c.name != "gateway"):
            if child.process is not None:
                status = stop(child.process, child.grace_s)
                log.info("stopped %s (status %s)", child.name, status)
                child.process = None
        if self._states_deployment is not None:
            self._states_deployment.close()
        if self._broker is not None:
            self._broker.stop()
            withdraw_embedded(self.settings)


def deployment_orgs(sessions: sessionmaker[Session]) -> list[str]:
    """The slugs of every organisation (for their inbound topics)."""
    return [org.slug for org in SqlDirectoryStore(sessions).organisations()]


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=2.0).status_code == 200
    except httpx.HTTPError:
        return False


def run(settings: Settings) -> int:
    """Run the deployment in the foreground; returns the exit status."""
    return Supervisor(settings).run()
