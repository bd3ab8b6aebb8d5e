"""In-memory stand-ins for a connector's sink and state store, for tests of the runner and the kinds."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from connectors.errors import TransientError, UnknownConnectorError
from connectors.model import Checked, Checkpoint, ConnectorStatus, Counts, Emit, Reject, State


@dataclass
class MemorySink:
    """Collects what a connector delivers; can fail the next `fail_next` deliveries transiently."""

    delivered: list[Emit] = field(default_factory=list)
    checked: list[Emit] = field(default_factory=list)
    dead_letters: list[tuple[str, Reject]] = field(default_factory=list)
    fail_next: int = 0
    refuse_ids: set[str] = field(default_factory=set)

    async def check(self, emits: Sequence[Emit]) -> Checked[Emit]:
        self.checked.extend(emits)
        return Checked(list(emits), [])

    async def deliver(self, checked: Checked[Emit]) -> list[Reject]:
        if self.fail_next:
            self.fail_next -= 1
            raise TransientError("the hub is unavailable (test)")
        emits = list(checked.passed)
        refused = [e for e in emits if e.event.get("id") in self.refuse_ids]
        self.delivered.extend(e for e in emits if e not in refused)
        return [Reject("refused", "refused by the test hub", dict(e.event), e.position) for e in refused]

    async def dead_letter(self, connector: str, rejects: Sequence[Reject]) -> None:
        self.dead_letters.extend((connector, reject) for reject in rejects)

    def close(self) -> None:
        return None

    @property
    def ids(self) -> list[str]:
        return [str(emit.event["id"]) for emit in self.delivered]


class MemoryStateStore:
    """ConnectorStateStore in a dict."""

    def __init__(self) -> None:
        self.rows: dict[str, ConnectorStatus] = {}
        self.history: list[State] = []

    def register(self, name: str, kind: str, org: str) -> ConnectorStatus:
        if name not in self.rows:
            now = datetime.now(UTC)
            self.rows[name] = ConnectorStatus(
                name, kind, org, State.STARTING, False, None, 0, 0, 0, None, None, now
            )
        return self.rows[name]

    def get(self, name: str) -> ConnectorStatus | None:
        return self.rows.get(name)

    def all(self) -> list[ConnectorStatus]:
        return [self.rows[name] for name in sorted(self.rows)]

    def _row(self, name: str) -> ConnectorStatus:
        if name not in self.rows:
            raise UnknownConnectorError(name)
        return self.rows[name]

    def advance(self, name: str, checkpoint: Checkpoint | None, counts: Counts, *, success: bool) -> None:
        row = self._add(self._row(name), counts)
        if checkpoint is not None:
            row = replace(row, checkpoint=copy.deepcopy(dict(checkpoint)))
        if success:
            row = replace(row, last_success_at=datetime.now(UTC), last_error=None)
        self.rows[name] = row

    def count(self, name: str, counts: Counts) -> None:
        self.rows[name] = self._add(self._row(name), counts)

    def set_state(self, name: str, state: State, error: str | None = None) -> None:
        row = replace(self._row(name), state=state)
        self.rows[name] = replace(row, last_error=error) if error is not None else row
        self.history.append(state)

    def set_paused(self, name: str, paused: bool) -> ConnectorStatus:
        self.rows[name] = replace(self._row(name), paused=paused)
        return self.rows[name]

    def restart(self, name: str) -> ConnectorStatus:
        self.set_state(name, State.STARTING)
        return self.rows[name]

    def reset(self, name: str) -> ConnectorStatus:
        self.rows[name] = replace(self._row(name), checkpoint=None)
        return self.rows[name]

    @staticmethod
    def _add(row: ConnectorStatus, counts: Counts) -> ConnectorStatus:
        return replace(
            row,
            emitted=row.emitted + counts.emitted,
            dead_lettered=row.dead_lettered + counts.dead_lettered,
            retried=row.retried + counts.retried,
        )
