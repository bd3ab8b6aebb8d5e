"""Where a connector's events go: into the hub (its ingest path), or to a hub's gateway over HTTP.

A sink takes a batch in two steps. `check` runs the checks that need nothing but the events (contract,
admission, canonical form) and may do so in another process; `deliver` then writes what passed. The
runner checks the next batch while it delivers the previous one, and delivers strictly in order. Both
sinks hand back the events that cannot go in as rejects, so one bad record never holds up the rest; the
runner dead-letters those with the connector's position.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar

from connectors.errors import DeliveryError, HubUnavailableError, PermanentError, TransientError
from connectors.gateway_client import GatewayClient
from connectors.model import Checked, Emit, Reject
from schemas.deadletter import DeadLetterIssue, DeadLetterRecord, dead_letter
from schemas.errors import EventValidationError
from schemas.validation import validate_event
from services.broker.errors import BrokerUnavailableError
from services.broker.publisher import Publisher
from services.broker.records import CONTENT_TYPE_HEADER, OutboundRecord, dumps
from services.broker.topics import Topology
from services.db.errors import DatabaseUnavailableError
from services.directory.model import Organisation
from services.gateway.ingest import EventIdConflictError, IngestService
from services.ingest.check import CheckedEvent
from services.ingest.pool import CheckPoolBrokenError

T = TypeVar("T")


class EventSink(Protocol[T]):
    """Takes a connector's events and dead letters."""

    async def check(self, emits: Sequence[Emit]) -> Checked[T]:
        """Check `emits` without writing anything; what fails comes back as rejects. May be called for
        the next batch while `deliver` of the previous one runs."""
        ...

    async def deliver(self, checked: Checked[T]) -> list[Reject]:
        """Deliver what passed `check` (acknowledged when this returns); return what the destination
        refused as rejects. Called once per batch, in the order of the batches.

        Raises TransientError when the hub is unavailable (nothing of the batch may be assumed delivered,
        delivering it again is safe) and PermanentError when it will never take them (bad credentials).
        """
        ...

    async def dead_letter(self, connector: str, rejects: Sequence[Reject]) -> None:
        """Record rejected source records with the connector, their position and the reason."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


async def send(sink: EventSink[Any], emits: Sequence[Emit]) -> list[Reject]:
    """Check and deliver `emits` in one go; every reject, of the checks and of the delivery."""
    checked = await sink.check(emits)
    return [*checked.rejects, *await sink.deliver(checked)]


def letter(connector: str, reject: Reject) -> DeadLetterRecord:
    """The dead-letter record of a rejected source record."""
    return dead_letter(
        reject.reason,
        [DeadLetterIssue(field=reject.field, code=reject.reason, message=reject.message)],
        reject.record,
        producer=f"connector:{connector}",
        position=reject.position,
    )


class HubSink:
    """Into the hub through its ingest service: admission, the journal (idempotent on (source, id)) and
    the broker (acks=all); dead letters onto `wijkbrug.deadletter`."""

    def __init__(
        self, *, org: Organisation, ingest: IngestService, publisher: Publisher, topology: Topology
    ) -> None:
        self._org = org
        self._ingest = ingest
        self._publisher = publisher
        self._topology = topology

    async def check(self, emits: Sequence[Emit]) -> Checked[tuple[Emit, CheckedEvent]]:
        events = [emit.event if type(emit.event) is dict else dict(emit.event) for emit in emits]
        try:
            verdicts = await self._ingest.check_batch(self._org, events)
        except CheckPoolBrokenError as exc:
            raise TransientError(str(exc)) from exc
        passed: list[tuple[Emit, CheckedEvent]] = []
        rejects: list[Reject] = []
        for emit, verdict in zip(emits, verdicts, strict=True):
            if verdict.event is not None:
                passed.append((emit, verdict.event))
            else:
                issue = verdict.issues[0]
                rejects.append(
                    Reject(issue.code, issue.message, dict(emit.event), emit.position, field=issue.field)
                )
        return Checked(passed, rejects)

    async def deliver(self, checked: Checked[tuple[Emit, CheckedEvent]]) -> list[Reject]:
        rejects: list[Reject] = []
        admitted = list(checked.passed)
        while admitted:
            try:
                await self._ingest.accept_replayable(self._org, [event for _, event in admitted])
                break
            except EventIdConflictError as exc:
                clashing = {int(detail["index"]) for detail in exc.details or ()}
                for index in sorted(clashing):
                    emit = admitted[index][0]
                    rejects.append(
                        Reject("event_id_conflict", exc.message, dict(emit.event), emit.position, "id")
                    )
                admitted = [item for index, item in enumerate(admitted) if index not in clashing]
            except (BrokerUnavailableError, DatabaseUnavailableError) as exc:
                raise TransientError(str(exc)) from exc
        return rejects

    async def dead_letter(self, connector: str, rejects: Sequence[Reject]) -> None:
        if not rejects:
            return
        records = [
            OutboundRecord(
                topic=self._topology.deadletter,
                key=connector.encode("utf-8"),
                value=dumps(letter(connector, reject).model_dump(mode="json")),
                headers=[(CONTENT_TYPE_HEADER, b"application/json")],
            )
            for reject in rejects
        ]
        try:
            await self._publisher.publish(records)
        except BrokerUnavailableError as exc:
            raise TransientError(str(exc)) from exc

    def close(self) -> None:
        self._publisher.close()
        self._ingest.close()


class GatewaySink:
    """To a hub's gateway over HTTPS, for a connector at the partner's side. Events are checked against
    the contract locally first; dead letters go to a JSON Lines file beside the connector (the partner's
    side has no access to the hub's topics)."""

    def __init__(self, client: GatewayClient, deadletter_file: Path) -> None:
        self._client = client
        self._deadletter_file = deadletter_file

    async def check(self, emits: Sequence[Emit]) -> Checked[Emit]:
        rejects: list[Reject] = []
        valid: list[Emit] = []
        now = datetime.now(UTC)
        for emit in emits:
            try:
                validate_event(dict(emit.event), now=now)
            except EventValidationError as exc:
                issue = exc.issues[0]
                rejects.append(
                    Reject(issue.code, issue.message, dict(emit.event), emit.position, issue.field)
                )
                continue
            valid.append(emit)
        return Checked(valid, rejects)

    async def deliver(self, checked: Checked[Emit]) -> list[Reject]:
        return await self._publish(list(checked.passed))

    async def _publish(self, valid: list[Emit]) -> list[Reject]:
        if not valid:
            return []
        try:
            await asyncio.to_thread(self._client.publish, [emit.event for emit in valid])
        except HubUnavailableError as exc:
            raise TransientError(str(exc)) from exc
        except DeliveryError as exc:
            if exc.status in (401, 403):
                raise PermanentError(f"the hub refused the connector's credential ({exc.status})") from exc
            rejects = _refused(valid, exc)
            accepted = [e for e in valid if not any(r.position == e.position for r in rejects)]
            if accepted and len(accepted) < len(valid):
                return [*rejects, *await self._publish(accepted)]
            return rejects
        return []

    async def dead_letter(self, connector: str, rejects: Sequence[Reject]) -> None:
        if not rejects:
            return
        lines = "".join(json.dumps(letter(connector, r).model_dump(mode="json")) + "\n" for r in rejects)
        await asyncio.to_thread(_append, self._deadletter_file, lines)

    def close(self) -> None:
        self._client.close()


def _refused(valid: Sequence[Emit], error: DeliveryError) -> list[Reject]:
    """The events a 4xx answer names, as rejects (all of them if it names none)."""
    try:
        body: Any = json.loads(error.body)
    except ValueError:
        body = {}
    named = {
        int(item["index"]): item
        for item in body.get("events", [])
        if isinstance(item, dict) and "index" in item
    }
    if not named:
        return [Reject(f"http_{error.status}", str(error), dict(emit.event), emit.position) for emit in valid]
    rejects = []
    for index, item in sorted(named.items()):
        errors = item.get("errors") or [{}]
        first = errors[0] if isinstance(errors[0], dict) else {}
        emit = valid[index]
        rejects.append(
            Reject(
                str(first.get("code", f"http_{error.status}")),
                str(first.get("message", "refused by the hub")),
                dict(emit.event),
                emit.position,
                str(first.get("field", "")),
            )
        )
    return rejects


def _append(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(text)
