"""EmbeddedBroker: tansu on a loopback port, ready when it answers metadata, in-memory, restartable."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest

from services.broker.admin import ensure_topics, list_topics
from services.broker.embedded import EmbeddedBroker
from services.broker.errors import BrokerStartError
from services.broker.topics import TopicSpec
from services.process.children import free_port, pid_alive, port_open

pytestmark = pytest.mark.broker


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[EmbeddedBroker]:
    embedded = EmbeddedBroker(log_file=tmp_path / "broker.log")
    yield embedded
    embedded.stop()


def _can_bind(port: int) -> bool:
    """Whether a new listener can bind the port (SO_REUSEADDR as servers use: only a listener blocks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def test_start_on_a_free_port_answers_metadata(broker: EmbeddedBroker) -> None:
    bootstrap = broker.start()

    host, _, port = bootstrap.rpartition(":")
    assert (host, int(port)) == ("127.0.0.1", broker.port)
    assert broker.running()
    assert broker.pid is not None and pid_alive(broker.pid)
    assert list_topics(bootstrap, timeout_s=5) == set()


def test_start_twice_keeps_the_running_broker(broker: EmbeddedBroker) -> None:
    bootstrap = broker.start()
    pid = broker.pid

    assert broker.start() == bootstrap
    assert broker.pid == pid


def test_stop_ends_the_process_and_releases_the_port(broker: EmbeddedBroker) -> None:
    broker.start()
    pid, port = broker.pid, broker.port
    assert pid is not None and port is not None
    assert not _can_bind(port)

    broker.stop()

    assert not broker.running()
    assert broker.pid is None
    assert not pid_alive(pid)
    assert not port_open("127.0.0.1", port)
    assert _can_bind(port)


def test_stop_before_start_is_harmless(broker: EmbeddedBroker) -> None:
    broker.stop()

    assert not broker.running()
    with pytest.raises(BrokerStartError):
        _ = broker.bootstrap


@contextmanager
def _plain_listener(port: int) -> Iterator[None]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", port))
        sock.listen()
        yield


@contextmanager
def _bound_socket(port: int) -> Iterator[None]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", port))
        yield


@contextmanager
def _other_broker(port: int) -> Iterator[None]:
    other = EmbeddedBroker(port=port)
    other.start()
    try:
        yield
    finally:
        other.stop()


@pytest.mark.parametrize(
    "occupant",
    [_plain_listener, _bound_socket, _other_broker],
    ids=["listening-socket", "bound-socket", "another-kafka-broker"],
)
def test_start_on_a_taken_port_fails_naming_the_port(
    tmp_path: Path, occupant: Callable[[int], AbstractContextManager[None]]
) -> None:
    port = free_port()
    broker = EmbeddedBroker(port=port, log_file=tmp_path / "broker.log")
    with occupant(port):
        try:
            with pytest.raises(BrokerStartError, match=rf"\b{port}\b"):
                broker.start(timeout_s=10)
            assert not broker.running()
        finally:
            broker.stop()


def test_restart_on_the_same_port_gives_an_empty_broker(broker: EmbeddedBroker) -> None:
    bootstrap = broker.start()
    ensure_topics(bootstrap, [TopicSpec("test.embedded.before-restart", 2)])
    assert list_topics(bootstrap) == {"test.embedded.before-restart"}
    first_pid = broker.pid

    broker.stop()
    again = broker.start()

    assert again == bootstrap
    assert broker.running()
    assert broker.pid != first_pid
    assert list_topics(again) == set()
