"""The exception root of the connectors package."""

from __future__ import annotations


class ConnectorError(Exception):
    """Root of every error a connector raises on purpose."""


class DeliveryError(ConnectorError):
    """Events that the hub refused for good (4xx other than 429): retrying will not help."""

    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"the hub refused the events with {status}: {body[:500]}")
        self.status = status
        self.body = body


class HubUnavailableError(ConnectorError):
    """The hub did not accept the events within the retry budget (503, 429, 5xx or no connection)."""
