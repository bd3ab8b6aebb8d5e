"""Serving the app with uvicorn so that it stops promptly although live streams are open.

On shutdown uvicorn first waits for every open response to finish and only then runs the app's lifespan
shutdown; a server-sent-event stream never finishes by itself. GatewayServer therefore ends the
dashboard's live streams (services.dashboard.live_feed) as its shutdown begins, whether it was asked to
stop by a signal or by `should_exit`.
"""

from __future__ import annotations

import socket

import uvicorn
from fastapi import FastAPI

from services.dashboard.live_feed import LiveFeed


class GatewayServer(uvicorn.Server):
    """uvicorn's server that closes the app's live feed before it waits for open connections."""

    def __init__(self, config: uvicorn.Config, feed: LiveFeed) -> None:
        super().__init__(config)
        self._feed = feed

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self._feed.close()
        await super().shutdown(sockets)


def gateway_server(app: FastAPI, *, host: str, port: int, log_level: str = "warning") -> GatewayServer:
    """A server for `app` (made by services.gateway.app.create_app) on host:port."""
    config = uvicorn.Config(app, host=host, port=port, log_level=log_level)
    return GatewayServer(config, app.state.live_feed)
