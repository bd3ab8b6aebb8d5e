"""Errors of the broker layer."""

from __future__ import annotations

from services.errors import UnavailableError, WijkbrugError


class BrokerUnavailableError(UnavailableError):
    """The broker did not acknowledge in time or cannot be reached."""


class BrokerStartError(WijkbrugError):
    """The embedded broker could not be started."""


class TopicMismatchError(WijkbrugError):
    """An existing topic has another partition count than the deployment expects."""
