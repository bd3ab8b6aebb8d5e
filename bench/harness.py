"""A throwaway `wijkbrug up` for benchmarks: embedded broker, SQLite, own data directory."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from services.process.children import free_port

CLI = [sys.executable, "-m", "services.cli.main"]


@dataclass
class BenchHub:
    base_url: str
    data_dir: Path
    env: dict[str, str]

    def cli_json(self, *args: str) -> dict[str, str]:
        result = subprocess.run(
            [*CLI, *args, "--json", "--data-dir", str(self.data_dir)],
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        )
        document: dict[str, str] = json.loads(result.stdout)
        return document


@contextmanager
def running_hub(extra_env: dict[str, str] | None = None) -> Iterator[BenchHub]:
    with tempfile.TemporaryDirectory(prefix="wijkbrug-bench-") as tmp:
        data_dir = Path(tmp)
        port = free_port()
        env = {key: value for key, value in os.environ.items() if not key.startswith("WIJKBRUG_")}
        env.update({"WIJKBRUG_DATA_DIR": str(data_dir), "WIJKBRUG_LOG_LEVEL": "WARNING", **(extra_env or {})})
        log = (data_dir / "up.log").open("wb")
        process = subprocess.Popen(
            [*CLI, "up", "--data-dir", str(data_dir), "--port", str(port)], env=env, stdout=log, stderr=log
        )
        hub = BenchHub(base_url=f"http://127.0.0.1:{port}", data_dir=data_dir, env=env)
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    if httpx.get(f"{hub.base_url}/healthz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"the hub did not start: {(data_dir / 'up.log').read_text()}")
                time.sleep(0.2)
            yield hub
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
            log.close()
