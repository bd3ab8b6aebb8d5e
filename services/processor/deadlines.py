"""Wake-ups of the live rule engine: per partition, which subjects need the clock when.

faust lets a table be changed only while a record of the table's partition is processed, so the clock
reaches the subjects through clock records: a timer writes one per owned partition of `buurt.events`
every second, and whoever processes it concludes the partition's due deadlines. The index lives in
memory and is rebuilt from the table after a rebalance (the state itself says which partition it is in).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable
from typing import Any


class DeadlineIndex:
    """Per partition, a heap of (wake-up time in µs, subject); stale entries are skipped when popped."""

    def __init__(self) -> None:
        self._heaps: dict[int, list[tuple[int, str]]] = {}
        self._next: dict[str, int] = {}

    def built(self, partition: int) -> bool:
        return partition in self._heaps

    def build(
        self, partition: int, states: Iterable[tuple[str, Any]], wakeup: Callable[[Any], int | None]
    ) -> int:
        """Index every state of `partition`; returns how many were scheduled."""
        heap: list[tuple[int, str]] = []
        for subject, document in states:
            moment = wakeup(document)
            if moment is not None:
                heap.append((moment, subject))
                self._next[subject] = moment
        heapq.heapify(heap)
        self._heaps[partition] = heap
        return len(heap)

    def schedule(self, partition: int, subject: str, moment: int | None) -> None:
        if moment is None:
            self._next.pop(subject, None)
            return
        scheduled = self._next.get(subject)
        # One wake-up per subject: a later one is found again when the earlier one comes due.
        if scheduled is not None and scheduled <= moment:
            return
        self._next[subject] = moment
        heapq.heappush(self._heaps.setdefault(partition, []), (moment, subject))

    def due(self, partition: int, now: int) -> list[str]:
        """Subjects of `partition` whose wake-up is at or before `now` (each once)."""
        heap = self._heaps.get(partition)
        found: list[str] = []
        while heap and heap[0][0] <= now:
            moment, subject = heapq.heappop(heap)
            if self._next.get(subject) == moment:
                del self._next[subject]
                found.append(subject)
        return found

    def clear(self) -> None:
        """Forget everything (the partitions were reassigned)."""
        self._heaps.clear()
        self._next.clear()
