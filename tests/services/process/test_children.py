"""Child processes: spawn with output to a log, stop with a grace then SIGKILL, no orphans, port helpers."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from services.process.children import free_port, pid_alive, port_open, spawn, stop
from tests.support.waiting import eventually

REPO = Path(__file__).resolve().parents[3]

SLEEPER = "import time; print('ready', flush=True); time.sleep(60)"
IGNORES_SIGTERM = (
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN);"
    "print('ready', flush=True); time.sleep(60)"
)
EXITS_CLEANLY_ON_SIGTERM = (
    "import signal, sys, time\n"
    "signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))\n"
    "print('ready', flush=True)\n"
    "time.sleep(60)\n"
)


@pytest.fixture
def children() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Processes a test started; killed afterwards whatever happened."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()


def _spawn_ready(
    script: str, log: Path, children: list[subprocess.Popen[bytes]], *, new_session: bool = False
) -> subprocess.Popen[bytes]:
    """Spawn `python -c script` and wait until it printed 'ready' (its signal handlers are in place)."""
    process = spawn([sys.executable, "-c", script], log=log, new_session=new_session)
    children.append(process)
    eventually(
        lambda: log.read_text() if log.exists() else "",
        until=lambda text: "ready" in text or process.poll() is not None,
        timeout=10,
        what="the child getting ready",
    )
    assert process.poll() is None, log.read_text()
    return process


@pytest.mark.parametrize(
    ("script", "grace_s", "status", "min_s", "max_s"),
    [
        (SLEEPER, 5.0, -signal.SIGTERM, 0.0, 1.0),
        (EXITS_CLEANLY_ON_SIGTERM, 5.0, 0, 0.0, 1.0),
        (IGNORES_SIGTERM, 0.5, -signal.SIGKILL, 0.5, 1.5),
    ],
    ids=["dies-on-sigterm", "exits-cleanly-on-sigterm", "ignores-sigterm-then-sigkill"],
)
def test_stop_terminates_then_kills_after_the_grace(
    tmp_path: Path,
    children: list[subprocess.Popen[bytes]],
    script: str,
    grace_s: float,
    status: int,
    min_s: float,
    max_s: float,
) -> None:
    process = _spawn_ready(script, tmp_path / "child.log", children)

    started = time.monotonic()
    returned = stop(process, grace_s)
    took = time.monotonic() - started

    assert returned == status == process.returncode
    assert min_s <= took < max_s
    assert not pid_alive(process.pid)


def test_stop_of_an_exited_child_returns_its_status(
    tmp_path: Path, children: list[subprocess.Popen[bytes]]
) -> None:
    process = spawn([sys.executable, "-c", "raise SystemExit(3)"], log=tmp_path / "child.log")
    children.append(process)
    process.wait(timeout=10)

    assert stop(process, 0.1) == 3


def test_spawn_appends_output_to_the_log_and_passes_env_and_cwd(
    tmp_path: Path, children: list[subprocess.Popen[bytes]]
) -> None:
    log = tmp_path / "logs" / "deep" / "child.log"  # its directory does not exist yet
    workdir = tmp_path / "work"
    workdir.mkdir()
    script = (
        "import os, sys; print(os.getcwd()); print(os.environ.get('WIJKBRUG_TEST_MARK'));"
        "print('to stderr', file=sys.stderr); print(sys.stdin.read() == '')"
    )
    for mark in ("first", "second"):
        process = spawn(
            [sys.executable, "-c", script],
            env={**os.environ, "WIJKBRUG_TEST_MARK": mark},
            log=log,
            cwd=workdir,
        )
        children.append(process)
        assert process.wait(timeout=10) == 0

    lines = log.read_text().splitlines()
    assert sorted(lines) == sorted(
        [str(workdir), "first", "to stderr", "True", str(workdir), "second", "to stderr", "True"]
    )
    assert lines.index("first") < lines.index("second")  # appended, not overwritten


def test_spawn_without_a_log_discards_output(children: list[subprocess.Popen[bytes]]) -> None:
    process = spawn([sys.executable, "-c", "print('x' * 100000)"])
    children.append(process)

    assert process.wait(timeout=10) == 0
    assert process.stdout is None


@pytest.mark.parametrize("new_session", [True, False])
def test_new_session_puts_the_child_in_its_own_session(
    tmp_path: Path, children: list[subprocess.Popen[bytes]], new_session: bool
) -> None:
    process = _spawn_ready(SLEEPER, tmp_path / "child.log", children, new_session=new_session)

    child_sid = os.getsid(process.pid)

    if new_session:
        assert child_sid == process.pid != os.getsid(0)
        assert os.getpgid(process.pid) == process.pid
    else:
        assert child_sid == os.getsid(0)


INTERMEDIATE = """
import sys, time
from services.process.children import spawn
child = spawn([sys.executable, "-c", "import time; time.sleep(60)"], new_session=True)
print(child.pid, flush=True)
time.sleep(60)
"""


def _gone(pid: int) -> bool:
    """Whether `pid` is no longer running (gone, or a zombie nobody reaped yet)."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_a_child_dies_with_the_process_that_spawned_it_even_on_sigkill(tmp_path: Path) -> None:
    intermediate = subprocess.Popen(
        [sys.executable, "-c", INTERMEDIATE], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    grandchild = 0
    try:
        assert intermediate.stdout is not None
        line = intermediate.stdout.readline()
        assert line.strip().isdigit(), intermediate.stderr.read() if intermediate.stderr else line
        grandchild = int(line)
        assert not _gone(grandchild)

        intermediate.send_signal(signal.SIGKILL)
        intermediate.wait(timeout=10)

        eventually(lambda: _gone(grandchild), timeout=10, what=f"grandchild {grandchild} terminating")
    finally:
        if intermediate.poll() is None:
            intermediate.kill()
            intermediate.wait()
        if grandchild and not _gone(grandchild):
            os.kill(grandchild, signal.SIGKILL)


def test_free_port_is_bindable_and_nothing_listens_there() -> None:
    port = free_port()

    assert 1024 <= port <= 65535
    assert not port_open("127.0.0.1", port)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", port))


def test_port_open_tells_a_listener_from_a_closed_port() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]

        assert port_open("127.0.0.1", port)

    assert not port_open("127.0.0.1", port)


def test_port_open_gives_up_on_an_unroutable_address_within_the_timeout() -> None:
    started = time.monotonic()

    assert not port_open("192.0.2.1", 9, timeout_s=0.3)  # TEST-NET-1: never answers
    assert time.monotonic() - started < 2.0


def test_pid_alive() -> None:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait(timeout=10)

    assert pid_alive(os.getpid())
    assert pid_alive(1)  # exists even where signalling it is not permitted
    assert not pid_alive(process.pid)
