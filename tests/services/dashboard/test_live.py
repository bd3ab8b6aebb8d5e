"""The queue's live stream (GET /escalaties/live) on a real uvicorn server: events for new and changed
escalations within the user's scope and filters, and a server that stops although streams are open."""

from __future__ import annotations

import contextlib
import json
import queue
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from schemas.escalation import EscalationMessage
from schemas.identifiers import Domain
from services.config import Settings
from services.dashboard.live_feed import LiveFeed
from services.db.models import Escalation
from services.db.types import utcnow
from services.directory.model import Role
from services.gateway.app import create_app
from services.gateway.runtime import Runtime, build_runtime
from services.gateway.serving import GatewayServer, gateway_server
from services.process.children import free_port
from tests.support.dashboard import CLOSURE, EVICTION, PERMIT, cheap_password_hash, log_in
from tests.support.databases import DatabaseFactory
from tests.support.events import DAM_BUURT
from tests.support.waiting import eventually

pytestmark = pytest.mark.db

NO_MORE = object()


@dataclass
class Served:
    runtime: Runtime
    feed: LiveFeed
    server: GatewayServer
    thread: threading.Thread
    url: str
    numbers: Iterator[int] = field(default_factory=lambda: iter(range(1, 10_000)))

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


def serve(data_dir: Path, database_url: str) -> Served:
    settings = Settings(
        data_dir=data_dir, database_url=database_url, kafka_bootstrap=None, live_poll_interval_s=0.1
    )
    runtime = build_runtime(settings)
    directory = runtime.directory
    for slug, domain in (
        ("woonstad", Domain.HOUSING),
        ("sociaal", Domain.SOCIAL),
        ("gemeente", Domain.MUNICIPALITY),
    ):
        directory.add_organisation(slug, domain, slug.title())
    password_hash = cheap_password_hash()
    directory.add_user("anna", Role.TASKFORCE, password_hash=password_hash)
    directory.add_user("rik", Role.RESIDENT, buurten=(DAM_BUURT,), password_hash=password_hash)
    port = free_port()
    app = create_app(settings, runtime)
    server = gateway_server(app, host="127.0.0.1", port=port)
    thread = threading.Thread(target=server.run, name="live-gateway", daemon=True)
    thread.start()
    eventually(lambda: server.started, timeout=20, what="the gateway to start")
    return Served(runtime, app.state.live_feed, server, thread, f"http://127.0.0.1:{port}")


@pytest.fixture(scope="module")
def served(databases: DatabaseFactory, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    running = serve(tmp_path_factory.mktemp("live"), databases.new())
    yield running
    running.stop()


class Stream:
    """A logged-in browser's EventSource: a thread reads the events into a queue."""

    def __init__(self, base_url: str, user: str, params: dict[str, str] | None = None) -> None:
        self.client = httpx.Client(base_url=base_url, timeout=httpx.Timeout(10.0, read=None))
        assert log_in(self.client, user).status_code == 303
        self.events: queue.Queue[Any] = queue.Queue()
        self.seen: list[tuple[str, dict[str, Any]]] = []
        self.connected = threading.Event()
        self.content_type = ""
        self._socket: socket.socket | None = None
        self._thread = threading.Thread(target=self._read, args=(params or {},), daemon=True)
        self._thread.start()
        assert self.connected.wait(10), "the stream did not open"

    def _read(self, params: dict[str, str]) -> None:
        try:
            with self.client.stream("GET", "/escalaties/live", params=params) as response:
                self.content_type = response.headers.get("content-type", "")
                self._socket = response.extensions["network_stream"].get_extra_info("socket")
                name, data = "message", ""
                for line in response.iter_lines():
                    if line.startswith(":"):
                        self.connected.set()
                    elif line.startswith("event: "):
                        name = line.removeprefix("event: ")
                    elif line.startswith("data: "):
                        data += line.removeprefix("data: ")
                    elif line == "" and data:
                        self.events.put((name, json.loads(data)))
                        name, data = "message", ""
        except httpx.HTTPError:
            pass
        finally:
            self.events.put(NO_MORE)

    def next_about(self, escalation_id: int, timeout: float = 15.0) -> tuple[str, dict[str, Any]]:
        """The next event about `escalation_id` (others are skipped but kept in `seen`)."""
        while True:
            item = self.events.get(timeout=timeout)
            assert item is not NO_MORE, "the stream ended"
            name, data = item
            self.seen.append((name, data))
            if data.get("id") == escalation_id:
                return name, data

    def close(self) -> None:
        """Hang up, as a browser does when the page closes (a shutdown wakes the reading thread)."""
        if self._socket is not None:
            with contextlib.suppress(OSError):
                self._socket.shutdown(socket.SHUT_RDWR)
        self._thread.join(timeout=10)
        self.client.close()


def new(served: Served, like: EscalationMessage, **changes: Any) -> int:
    """Apply an escalation like `like` (own key and subject) through the store, as the sink does."""
    number = next(served.numbers)
    fields = like.model_dump()
    prefix = like.subject.split(":", 1)[0]
    fields.update(dedup_key=f"live-{number}", subject=f"{prefix}:live{number:012d}", **changes)
    (escalation_id,) = served.runtime.escalations.apply([EscalationMessage.model_validate(fields)]).opened
    return escalation_id


def test_a_new_escalation_reaches_an_open_queue(served: Served) -> None:
    stream = Stream(served.url, "anna")
    try:
        escalation_id = new(served, EVICTION)

        name, data = stream.next_about(escalation_id)

        assert stream.content_type.startswith("text/event-stream")
        assert name == "escalatie"
        assert data["html"].startswith(f'<tr id="escalatie-{escalation_id}"')
        assert EVICTION.title in data["html"] and 'class="sla sla-ok"' in data["html"]
        assert data["melding"] == f"Nieuwe escalatie: {EVICTION.title} in Nieuwe Kerk e.o."
    finally:
        stream.close()


def test_a_changed_escalation_is_sent_again_and_one_that_leaves_the_filter_is_gone(served: Served) -> None:
    stream = Stream(served.url, "anna")
    try:
        escalation_id = new(served, CLOSURE)
        # The stream must have seen it new first: a change within the same poll would arrive as new.
        assert stream.next_about(escalation_id)[1]["melding"].startswith("Nieuwe escalatie: ")
        with served.runtime.sessions.begin() as session:
            session.execute(
                update(Escalation)
                .where(Escalation.id == escalation_id)
                .values(assignee="anna", updated_at=utcnow())
            )
        name, data = stream.next_about(escalation_id)
        assert name == "escalatie"
        assert data["melding"].startswith("Escalatie bijgewerkt: ")
        assert "bij anna" in data["html"]

        with served.runtime.sessions.begin() as session:
            session.execute(
                update(Escalation)
                .where(Escalation.id == escalation_id)
                .values(status="resolved", updated_at=utcnow() + timedelta(milliseconds=1))
            )
        name, data = stream.next_about(escalation_id)
        assert name == "verdwenen", "the default queue shows running escalations only"
        assert data["melding"].startswith("Escalatie past niet meer bij de filters: ")
        assert "html" not in data
    finally:
        stream.close()


def test_a_stream_sends_only_what_its_filters_select(served: Served) -> None:
    stream = Stream(served.url, "anna", {"severity": "medium"})
    try:
        high = new(served, EVICTION)
        medium = new(served, EVICTION, severity="medium")

        name, _ = stream.next_about(medium)

        assert name == "escalatie"
        about_high = {name for name, data in stream.seen if data.get("id") == high}
        assert about_high <= {"verdwenen"}, "in scope but not selected: at most 'remove its row'"
    finally:
        stream.close()


def test_a_residents_stream_never_carries_a_household_escalation(served: Served) -> None:
    stream = Stream(served.url, "rik")
    try:
        household = new(served, EVICTION)  # in rik's buurt, but a household
        initiative = new(served, PERMIT)

        name, data = stream.next_about(initiative)

        assert name == "escalatie" and PERMIT.title in data["html"]
        assert all(seen.get("id") != household for _, seen in stream.seen)
        assert not any("hh:" in json.dumps(seen) for _, seen in stream.seen)
    finally:
        stream.close()


def test_the_live_stream_needs_a_login(served: Served) -> None:
    response = httpx.get(f"{served.url}/escalaties/live", follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=/escalaties/live")


def test_a_closed_stream_unsubscribes(served: Served) -> None:
    feed = served.feed
    before = len(feed)
    stream = Stream(served.url, "anna")
    eventually(lambda: len(feed), until=lambda n: n == before + 1, timeout=10, what="the subscription")

    stream.close()

    eventually(lambda: len(feed), until=lambda n: n == before, timeout=10, what="the unsubscription")


def test_the_server_stops_promptly_with_streams_open(tmp_path: Path, database_url: str) -> None:
    running = serve(tmp_path, database_url)
    streams = [Stream(running.url, "anna"), Stream(running.url, "rik")]
    try:
        running.server.should_exit = True
        running.thread.join(timeout=10)

        assert not running.thread.is_alive(), "uvicorn waited for the live streams"
        for stream in streams:
            assert stream.events.get(timeout=5) is NO_MORE, "each stream ended"
    finally:
        for stream in streams:
            stream.close()
        running.stop()


def test_a_stream_ends_when_its_user_is_disabled(served: Served, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("services.dashboard.live_page.RECHECK_S", 0.0)
    served.runtime.directory.add_user("tijdelijk", Role.TASKFORCE, password_hash=cheap_password_hash())
    stream = Stream(served.url, "tijdelijk")
    try:
        served.runtime.directory.disable_user("tijdelijk")

        escalation_id = new(served, EVICTION)

        assert stream.events.get(timeout=15) is NO_MORE, "checked before the event: no longer a user"
        assert all(data.get("id") != escalation_id for _, data in stream.seen)
    finally:
        stream.close()
