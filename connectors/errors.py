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


class ConfigError(ConnectorError):
    """A connector configuration that cannot be used; names the file and the field."""

    def __init__(self, file: str, field: str, message: str) -> None:
        super().__init__(f"{file}: {field}: {message}" if field else f"{file}: {message}")
        self.file = file
        self.field = field
        self.message = message


class TransientError(ConnectorError):
    """A failure worth retrying with backoff (timeout, connection refused, 429, 5xx)."""


class PermanentError(ConnectorError):
    """A failure that retrying will not cure (401, 403, a bad configuration): the connector fails."""


class UnknownConnectorError(ConnectorError):
    """A connector name that no configuration or state knows."""
