"""What a source connector's poll yields: events to emit, records to dead-letter, and where it now is."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Generic, TypeVar

Checkpoint = Mapping[str, Any]
"""A connector's position in its source, as JSON (what Kafka Connect calls the source offset)."""


@dataclass(frozen=True)
class Emit:
    """A CloudEvent (as a JSON mapping) made from the source record at `position`."""

    event: Mapping[str, Any]
    position: str


@dataclass(frozen=True)
class Reject:
    """A source record that cannot become an event: it goes to the dead-letter topic with the reason."""

    reason: str
    message: str
    record: Any
    position: str
    field: str = ""


Outcome = Emit | Reject

T = TypeVar("T")


@dataclass(frozen=True)
class Checked(Generic[T]):
    """A batch of events after a sink's checks: what passed, in the sink's own form for its `deliver`,
    and the events that failed, as rejects."""

    passed: Sequence[T] = ()
    rejects: Sequence[Reject] = ()


@dataclass(frozen=True)
class Batch:
    """One poll's work. `checkpoint` is saved only after every outcome is delivered; `more` asks to poll
    again at once (a next page, the rest of a file) instead of after the poll interval."""

    outcomes: Sequence[Outcome] = ()
    checkpoint: Checkpoint | None = None
    more: bool = False


class State(StrEnum):
    """A connector's state, as `connector status` and the API show it."""

    STARTING = "starting"
    RUNNING = "running"
    PAUSED = "paused"
    RETRYING = "retrying"
    FAILED = "failed"
    STOPPED = "stopped"


@dataclass(frozen=True)
class Counts:
    """Increments of a connector's counters."""

    emitted: int = 0
    dead_lettered: int = 0
    retried: int = 0


@dataclass(frozen=True)
class ConnectorStatus:
    """A connector's state, checkpoint and counters."""

    name: str
    kind: str
    org: str
    state: State
    paused: bool
    checkpoint: Checkpoint | None
    emitted: int
    dead_lettered: int
    retried: int
    last_success_at: Any
    last_error: str | None
    updated_at: Any
    extra: Mapping[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "org": self.org,
            "state": self.state.value,
            "paused": self.paused,
            "checkpoint": dict(self.checkpoint) if self.checkpoint is not None else None,
            "counts": {"emitted": self.emitted, "dead_lettered": self.dead_lettered, "retried": self.retried},
            "last_success_at": _iso(self.last_success_at),
            "last_error": self.last_error,
            "updated_at": _iso(self.updated_at),
        }


def _iso(value: Any) -> str | None:
    return None if value is None else str(value.isoformat())
