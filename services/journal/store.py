"""The journal's storage interface."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Protocol

from services.journal.model import JournalRecord, KnownEvent, ReplayItem


class JournalStore(Protocol):
    """Accepted events, keyed by (source, id)."""

    def known(self, source: str, event_ids: Iterable[str]) -> Mapping[str, KnownEvent]:
        """The events among `event_ids` of `source` that were accepted before."""
        ...

    def record_pending(self, records: Sequence[JournalRecord]) -> None:
        """Record events before they are produced; records already present are left as they are."""
        ...

    def record_published(self, records: Sequence[JournalRecord]) -> None:
        """Record events the broker already acknowledged; records already present are left as they are."""
        ...

    def mark_published(self, source: str, event_ids: Sequence[str]) -> None:
        """Note that the broker acknowledged these events."""
        ...

    def pending(self, source: str, limit: int = 100) -> Sequence[JournalRecord]:
        """Events of `source` recorded but not yet acknowledged by the broker, oldest first."""
        ...

    def replay(self, batch_size: int = 1000) -> Iterator[Sequence[ReplayItem]]:
        """Every journalled event in acceptance order, in batches."""
        ...
