"""Controlling a connector from outside, as Kafka Connect's REST API does: pause, resume, restart, reset."""

from __future__ import annotations

from enum import StrEnum

from connectors.model import ConnectorStatus
from connectors.state import ConnectorStateStore


class Control(StrEnum):
    """What an admin may ask of a connector; it takes effect through the state store within a poll."""

    PAUSE = "pause"
    RESUME = "resume"
    RESTART = "restart"
    RESET = "reset"


def apply_control(store: ConnectorStateStore, name: str, control: Control) -> ConnectorStatus:
    """Record `control` for connector `name`; its status afterwards (UnknownConnectorError if none)."""
    if control is Control.PAUSE:
        return store.set_paused(name, True)
    if control is Control.RESUME:
        return store.set_paused(name, False)
    if control is Control.RESTART:
        return store.restart(name)
    return store.reset(name)
