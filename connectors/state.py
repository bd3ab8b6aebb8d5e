"""Where connectors keep their checkpoints, counters and pause requests (the interface)."""

from __future__ import annotations

from typing import Protocol

from connectors.model import Checkpoint, ConnectorStatus, Counts, State


class ConnectorStateStore(Protocol):
    """Persistent state of every connector of a deployment."""

    def register(self, name: str, kind: str, org: str) -> ConnectorStatus:
        """Create the connector's row if new (state starting), or return it as it is."""
        ...

    def get(self, name: str) -> ConnectorStatus | None:
        """One connector's status, or None."""
        ...

    def all(self) -> list[ConnectorStatus]:
        """Every connector's status, by name."""
        ...

    def advance(self, name: str, checkpoint: Checkpoint | None, counts: Counts, *, success: bool) -> None:
        """After delivering a batch: save the checkpoint and add the counts, in one transaction."""
        ...

    def count(self, name: str, counts: Counts) -> None:
        """Add to the counters without moving the checkpoint."""
        ...

    def set_state(self, name: str, state: State, error: str | None = None) -> None:
        """Record a state change (and the reason of a failure)."""
        ...

    def set_paused(self, name: str, paused: bool) -> ConnectorStatus:
        """Ask a connector to pause or resume (it notices within a poll)."""
        ...

    def restart(self, name: str) -> ConnectorStatus:
        """Ask for a failed connector to be started again (the supervisor notices)."""
        ...

    def reset(self, name: str) -> ConnectorStatus:
        """Forget the checkpoint: the connector reads its source from the start again."""
        ...
