"""A partner's webhook receiver on a real HTTP server in the test process, answering from a script.

Each path has a list of statuses to answer in turn (the last one repeats); every request is recorded with
its headers and body, so a test can check signatures, idempotency keys and how often it was called.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Received:
    """One request as the receiver saw it, with the status it answered."""

    path: str
    headers: dict[str, str]
    body: bytes
    status: int


@dataclass
class WebhookReceiver:
    """The scripted answers per path and what arrived."""

    base_url: str
    script: dict[str, list[int]]
    received: list[Received] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, path: str) -> int:
        with self._lock:
            statuses = self.script.get(path, [404])
            return statuses.pop(0) if len(statuses) > 1 else statuses[0]

    def record(self, item: Received) -> None:
        with self._lock:
            self.received.append(item)

    def at(self, path: str) -> list[Received]:
        """The requests to `path`, in arrival order."""
        with self._lock:
            return [item for item in self.received if item.path == path]


@contextmanager
def webhook_receiver(script: Mapping[str, Sequence[int]]) -> Iterator[WebhookReceiver]:
    """A running receiver on a free local port; `script` maps a path to the statuses it answers in turn."""
    state: dict[str, WebhookReceiver] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            receiver = state["receiver"]
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            status = receiver.answer(self.path)
            receiver.record(Received(self.path, dict(self.headers.items()), body, status))
            payload = b'{"ok": true}' if status < 300 else b'{"error": "scripted failure"}'
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    host, port = server.server_address[:2]
    receiver = WebhookReceiver(
        base_url=f"http://{host!s}:{port}", script={path: list(statuses) for path, statuses in script.items()}
    )
    state["receiver"] = receiver
    thread = threading.Thread(target=server.serve_forever, name="webhook-receiver", daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
