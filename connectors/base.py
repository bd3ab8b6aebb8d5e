"""The base of a source connector: an explicit lifecycle that the runner drives.

    setup()              once, before the first poll (open clients, check credentials)
    poll(checkpoint)     repeatedly: read the records after `checkpoint`, map them to events
    committed(checkpoint) after each save of a checkpoint (and once after setup, with the saved one)
    stop()               once, when the runner stops (release what setup opened)
    cleanup()            once, after a permanent failure, before stop() (remove half-done work)

The methods are synchronous and run in a worker thread, one at a time; raise `TransientError` for what a
retry may cure and `PermanentError` for what it will not. Event ids must derive from the source record, so
that a re-read yields the same ids (the hub is idempotent on (source, id)).

`poll` must not change the source: the runner polls ahead of what it has delivered (the checkpoint it
passes may not be saved yet), and after a failure it polls again from the saved checkpoint. What may
change the source (acknowledging, moving a finished file away) belongs in `committed`, as in Kafka
Connect's `SourceTask.commit`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Generic, TypeVar

from connectors.config import ConnectorConfig
from connectors.errors import ConfigError
from connectors.model import Batch, Checkpoint
from connectors.pseudonym import Pseudonymiser
from schemas.identifiers import source_for

C = TypeVar("C", bound=ConnectorConfig)


@dataclass(frozen=True)
class ConnectorContext:
    """What a connector gets from its runner."""

    file: str
    pseudonymiser: Pseudonymiser | None

    def require_pseudonymiser(self) -> Pseudonymiser:
        if self.pseudonymiser is None:
            raise ConfigError(self.file, "pseudonymisation", "this connector pseudonymises: set key_env")
        return self.pseudonymiser


class SourceConnector(ABC, Generic[C]):
    """A connector that reads a partner system and emits catalogue events of one organisation."""

    #: Seconds between polls when the last poll found nothing more.
    poll_interval_s: float = 5.0

    def __init__(self, config: C, context: ConnectorContext) -> None:
        self.config = config
        self.context = context

    @property
    def source(self) -> str:
        """The CloudEvents source of the connector's organisation."""
        return source_for(self.config.org)

    def setup(self) -> None:
        """Prepare (open clients); raise PermanentError for a configuration that cannot work."""

    @abstractmethod
    def poll(self, checkpoint: Checkpoint | None) -> Batch:
        """Read the next records after `checkpoint` and map them."""

    def committed(self, checkpoint: Checkpoint | None) -> None:
        """`checkpoint` is saved: every record up to it is delivered or dead-lettered."""

    def stop(self) -> None:
        """Release what setup opened."""

    def cleanup(self) -> None:
        """Undo half-done work after a permanent failure."""
