"""`wijkbrug up` runs one process tree and stops all of it cleanly: no orphans, no port left bound."""

from __future__ import annotations

import json
import signal
import socket
from pathlib import Path

import psutil
import pytest

from services.broker.admin import list_topics
from tests.support.databases import DatabaseFactory
from tests.support.hub import Hub, start_hub, stop_hub
from tests.support.waiting import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.process, pytest.mark.slow]


def _tree(hub: Hub) -> list[psutil.Process]:
    return psutil.Process(hub.process.pid).children(recursive=True)


def _cmd(process: psutil.Process) -> list[str]:
    try:
        return process.cmdline()
    except psutil.Error:  # gone, or a zombie not yet reaped
        return []


def _ports(processes: list[psutil.Process]) -> set[int]:
    ports = set()
    for process in processes:
        try:
            ports |= {
                c.laddr.port for c in process.net_connections(kind="tcp") if c.status == psutil.CONN_LISTEN
            }
        except psutil.NoSuchProcess:
            continue
    return ports


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_a_signal_stops_the_whole_tree(
    databases: DatabaseFactory, tmp_path: Path, signum: signal.Signals
) -> None:
    with start_hub(tmp_path, database_url=databases.new(), bootstrap=None) as hub:
        children = _tree(hub)
        names = {" ".join(_cmd(child)) for child in children}
        assert any("tansu" in name for name in names)
        assert {"processor", "sink", "gateway"} <= {word for name in names for word in name.split()}
        ports = _ports([psutil.Process(hub.process.pid), *children])
        assert ports, "nothing listens"
        announced = json.loads((tmp_path / "run" / "broker.json").read_text())["bootstrap"]

        hub.process.send_signal(signum)
        assert hub.process.wait(timeout=60) == 0

        assert not [
            child.pid for child in children if child.is_running() and child.status() != psutil.STATUS_ZOMBIE
        ]
        assert all(_bindable(port) for port in ports)
        assert not (tmp_path / "run" / "broker.json").exists()
        assert announced


def test_a_killed_supervisor_leaves_no_orphans(databases: DatabaseFactory, tmp_path: Path) -> None:
    with start_hub(tmp_path, database_url=databases.new(), bootstrap=None) as hub:
        children = _tree(hub)
        hub.process.kill()
        hub.process.wait(timeout=10)
        eventually(
            lambda: [c.pid for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE],
            until=lambda alive: not alive,
            timeout=30,
            what="every child of the killed supervisor to end",
        )
        stop_hub(hub)


def test_a_crashed_service_is_restarted(databases: DatabaseFactory, tmp_path: Path) -> None:
    with start_hub(tmp_path, database_url=databases.new(), bootstrap=None) as hub:
        sink = next(child for child in _tree(hub) if "sink" in _cmd(child))
        sink.kill()
        replacement = eventually(
            lambda: [c for c in _tree(hub) if "sink" in _cmd(c) and c.pid != sink.pid],
            timeout=30,
            what="a new sink process",
        )
        assert replacement
        assert "sink exited" in (tmp_path / "up.log").read_text()


def test_org_add_creates_the_topic_on_the_running_broker(hub: Hub) -> None:
    hub.add_org("late-comer", "safety")
    topics = list_topics(hub.env["WIJKBRUG_KAFKA_BOOTSTRAP"])
    assert hub.env["WIJKBRUG_TOPIC_PREFIX"] + "wijkbrug.inbound.late-comer" in topics
