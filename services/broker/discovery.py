"""Finding the broker of a deployment: configured, or the embedded one a running `wijkbrug up` announced."""

from __future__ import annotations

import json
import os
from pathlib import Path

from services.config import Settings
from services.process.children import pid_alive

RUNTIME_FILE = "broker.json"


def announce_embedded(settings: Settings, bootstrap: str) -> Path:
    """Record where the embedded broker of this deployment listens, for other commands."""
    settings.run_dir.mkdir(parents=True, exist_ok=True)
    path = settings.run_dir / RUNTIME_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"bootstrap": bootstrap, "supervisor_pid": os.getpid()}))
    tmp.replace(path)
    return path


def withdraw_embedded(settings: Settings) -> None:
    """Forget the announcement (the deployment stopped)."""
    (settings.run_dir / RUNTIME_FILE).unlink(missing_ok=True)


def resolve_bootstrap(settings: Settings) -> str | None:
    """`WIJKBRUG_KAFKA_BOOTSTRAP`, else the embedded broker of a running `wijkbrug up`, else None."""
    if settings.kafka_bootstrap:
        return settings.kafka_bootstrap
    path = settings.run_dir / RUNTIME_FILE
    try:
        info = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(info, dict):
        return None
    pid = info.get("supervisor_pid")
    if not isinstance(pid, int) or pid <= 0 or not pid_alive(pid):
        return None
    bootstrap = info.get("bootstrap")
    return str(bootstrap) if bootstrap else None
