"""Where a connector's events go: into the hub (its ingest path), or to a hub's gateway over HTTP.

Both sinks check every event first and hand back the ones that cannot go in as rejects, so one bad
record never holds up the rest; the runner dead-letters those with the connector's position.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from connectors.errors import DeliveryError, HubUnavailableError, PermanentError, TransientError
from connectors.gateway_client import GatewayClient
from connectors.model import Emit, Reject
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
from services.ingest.admission import Admission


class EventSink(Protocol):
    """Takes a connector's events and dead letters."""

    async def deliver(self, emits: Sequence[Emit]) -> list[Reject]:
        """Deliver what can go in (acknowledged when this returns); return the rest as rejects.

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

    async def deliver(self, emits: Sequence[Emit]) -> list[Reject]:
        admissions = self._ingest.admit(self._org, [emit.event for emit in emits])
        rejects: list[Reject] = []
        admitted: list[tuple[Emit, Admission]] = []
        for emit, admission in zip(emits, admissions, strict=True):
            if admission.admitted:
                admitted.append((emit, admission))
            else:
                issue = admission.issues[0]
                rejects.append(
                    Reject(issue.code, issue.message, dict(emit.event), emit.position, field=issue.field)
                )
        while admitted:
            try:
                await self._ingest.accept_replayable(self._org, [admission for _, admission in admitted])
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


class GatewaySink:
    """To a hub's gateway over HTTPS, for a connector at the partner's side. Events are checked against
    the contract locally first; dead letters go to a JSON Lines file beside the connector (the partner's
    side has no access to the hub's topics)."""

    def __init__(self, client: GatewayClient, deadletter_file: Path) -> None:
        self._client = client
        self._deadletter_file = deadletter_file

    async def deliver(self, emits: Sequence[Emit]) -> list[Reject]:
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
        if valid:
            try:
                await asyncio.to_thread(self._client.publish, [emit.event for emit in valid])
            except HubUnavailableError as exc:
                raise TransientError(str(exc)) from exc
            except DeliveryError as exc:
                if exc.status in (401, 403):
                    raise PermanentError(
                        f"the hub refused the connector's credential ({exc.status})"
                    ) from exc
                rejects.extend(_refused(valid, exc))
                accepted = [e for e in valid if not any(r.position == e.position for r in rejects)]
                if accepted and len(accepted) < len(valid):
                    return [*rejects, *await self.deliver(accepted)]
        return rejects

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
