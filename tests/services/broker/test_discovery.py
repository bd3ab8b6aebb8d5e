"""Broker discovery: the configured bootstrap wins; else the announcement of a live `wijkbrug up`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from services.broker.discovery import RUNTIME_FILE, announce_embedded, resolve_bootstrap, withdraw_embedded
from services.config import Settings
from services.process.children import pid_alive

EMBEDDED = "127.0.0.1:40123"


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.delenv("WIJKBRUG_KAFKA_BOOTSTRAP", raising=False)
    return Settings(data_dir=tmp_path / "deployment")


@pytest.fixture(scope="module")
def dead_pid() -> int:
    """The pid of a process that has exited and was reaped."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    assert not pid_alive(process.pid)
    return process.pid


def _write(settings: Settings, document: Any) -> None:
    settings.run_dir.mkdir(parents=True, exist_ok=True)
    (settings.run_dir / RUNTIME_FILE).write_text(json.dumps(document))


def test_nothing_configured_and_nothing_announced_resolves_to_none(settings: Settings) -> None:
    assert resolve_bootstrap(settings) is None


def test_an_announcement_by_a_live_process_resolves(settings: Settings) -> None:
    path = announce_embedded(settings, EMBEDDED)

    assert path == settings.run_dir / RUNTIME_FILE
    assert json.loads(path.read_text()) == {"bootstrap": EMBEDDED, "supervisor_pid": os.getpid()}
    assert [entry.name for entry in settings.run_dir.iterdir()] == [RUNTIME_FILE]  # no temporary file left
    assert resolve_bootstrap(settings) == EMBEDDED


def test_a_new_announcement_replaces_the_old_one(settings: Settings) -> None:
    announce_embedded(settings, EMBEDDED)
    announce_embedded(settings, "127.0.0.1:40999")

    assert resolve_bootstrap(settings) == "127.0.0.1:40999"


def test_the_configured_bootstrap_wins_over_an_announcement(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    announce_embedded(settings, EMBEDDED)
    monkeypatch.setenv("WIJKBRUG_KAFKA_BOOTSTRAP", "kafka-1:9092,kafka-2:9092")

    from_env = Settings(data_dir=settings.data_dir)
    from_flag = settings.with_overrides(kafka_bootstrap="kafka-3:9092")

    assert resolve_bootstrap(from_env) == "kafka-1:9092,kafka-2:9092"
    assert resolve_bootstrap(from_flag) == "kafka-3:9092"


def test_the_configured_bootstrap_needs_no_announcement(settings: Settings) -> None:
    assert resolve_bootstrap(settings.with_overrides(kafka_bootstrap="kafka:9092")) == "kafka:9092"


def test_an_announcement_of_a_dead_supervisor_resolves_to_none(settings: Settings, dead_pid: int) -> None:
    _write(settings, {"bootstrap": EMBEDDED, "supervisor_pid": dead_pid})

    assert resolve_bootstrap(settings) is None


@pytest.mark.parametrize(
    "content",
    [
        "",
        "{not json",
        json.dumps([EMBEDDED, os.getpid()]),
        json.dumps({"bootstrap": EMBEDDED}),
        json.dumps({"bootstrap": EMBEDDED, "supervisor_pid": str(os.getpid())}),
        json.dumps({"bootstrap": EMBEDDED, "supervisor_pid": 0}),
        json.dumps({"bootstrap": EMBEDDED, "supervisor_pid": -1}),
        json.dumps({"bootstrap": "", "supervisor_pid": os.getpid()}),
        json.dumps({"supervisor_pid": os.getpid()}),
    ],
    ids=[
        "empty",
        "not-json",
        "not-an-object",
        "no-pid",
        "pid-as-text",
        "pid-zero",
        "pid-negative",
        "empty-bootstrap",
        "no-bootstrap",
    ],
)
def test_a_damaged_announcement_resolves_to_none(settings: Settings, content: str) -> None:
    settings.run_dir.mkdir(parents=True)
    (settings.run_dir / RUNTIME_FILE).write_text(content)

    assert resolve_bootstrap(settings) is None


def test_withdraw_forgets_the_announcement(settings: Settings) -> None:
    announce_embedded(settings, EMBEDDED)

    withdraw_embedded(settings)

    assert not (settings.run_dir / RUNTIME_FILE).exists()
    assert resolve_bootstrap(settings) is None
    withdraw_embedded(settings)  # nothing announced: harmless
