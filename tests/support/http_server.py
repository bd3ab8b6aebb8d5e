"""A real HTTP server for stand-ins of partner systems: a local free port, served from a daemon thread."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self


class BackgroundServer:
    """`ThreadingHTTPServer` with `handler` on 127.0.0.1, running until `stop()`."""

    def __init__(self, handler: type[BaseHTTPRequestHandler], name: str) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name=name, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class HttpStandIn:
    """A partner system's stand-in served over real HTTP: `with StandIn() as s:` then `s.url`.

    A subclass says how to answer (`handler`) and what it is called (`label`).
    """

    label = "stand-in"
    _http: BackgroundServer | None = None

    def handler(self) -> type[BaseHTTPRequestHandler]:
        """The request handler bound to this stand-in."""
        raise NotImplementedError

    def start(self) -> Self:
        self._http = BackgroundServer(self.handler(), self.label.lower().replace(" ", "-"))
        return self

    def stop(self) -> None:
        if self._http is not None:
            self._http.stop()
            self._http = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The base URL (what goes into a connector's file)."""
        if self._http is None:
            raise RuntimeError(f"the {self.label} is not running")
        return self._http.url
