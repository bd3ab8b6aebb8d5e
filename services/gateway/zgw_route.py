"""POST /api/v1/zgw/notificaties/{name}: the callback that an NRC delivers ZGW notifications to.

Answers (the NRC retries anything but 2xx for about a day):
- 404: no `zgw-notificaties` connector of that name was loaded from `connectors_dir`;
- 401: the Authorization header is not the connector's secret;
- 204: the test message; a mapped notification once the hub acknowledged its event (a repeated
  delivery has the same event id, and the journal keeps one event); an unmapped or malformed one once
  it is on the dead-letter topic (retrying would not map it, so it is not left to the NRC's retries);
- 503: the broker or database is down, or the connector's organisation is not in the directory: the
  NRC delivers again later.
Counts (emitted, dead-lettered) go to the connector's row in the state store.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import APIRouter, Header, Request, Response

from connectors.assembly import context_for
from connectors.errors import TransientError
from connectors.kinds.zgw import Handshake, Ignored, Unauthorized, ZgwConfig, ZgwReceiver
from connectors.model import Counts, Emit, Reject, State
from connectors.registry import load_directory
from connectors.sinks import HubSink, send
from connectors.state_sql import SqlConnectorStateStore
from services.broker.errors import BrokerUnavailableError
from services.config import Settings
from services.db.errors import in_thread
from services.directory.model import Organisation
from services.errors import NotFoundError, UnauthenticatedError, UnavailableError
from services.gateway.bodies import read_limited
from services.gateway.deps import get_runtime
from services.gateway.runtime import Runtime
from services.http.responses import API_ERRORS, NOT_FOUND
from services.journal.model import JournalState
from services.journal.sql import SqlJournalStore

log = logging.getLogger(__name__)
router = APIRouter(responses={**API_ERRORS, **NOT_FOUND})
KIND = "zgw-notificaties"


class CallbackUnavailableError(UnavailableError):
    """The hub cannot take the notification now; the NRC will deliver it again."""

    code = "unavailable"


@dataclass
class ZgwCallbacks:
    """The zgw-notificaties connectors this gateway serves, by name."""

    receivers: dict[str, ZgwReceiver] = field(default_factory=dict)
    registered: set[str] = field(default_factory=set)


def load_zgw_callbacks(settings: Settings) -> ZgwCallbacks:
    """The zgw-notificaties connectors in `settings.connectors_dir` (none when it is unset).

    Raises ConfigError (naming file and field) for a file that cannot be used, so a gateway never starts
    with a callback that would refuse every delivery.
    """
    if settings.connectors_dir is None:
        return ZgwCallbacks()
    receivers = {
        config.name: ZgwReceiver(config, context_for(path, config))
        for path, config in load_directory(settings.connectors_dir).items()
        if isinstance(config, ZgwConfig)
    }
    if receivers:
        log.info("serving ZGW callbacks for %s", ", ".join(sorted(receivers)))
    return ZgwCallbacks(receivers)


def _callbacks(request: Request) -> ZgwCallbacks:
    callbacks = getattr(request.app.state, "zgw", None)
    return callbacks if isinstance(callbacks, ZgwCallbacks) else ZgwCallbacks()


@router.post("/api/v1/zgw/notificaties/{name}", status_code=204, response_class=Response, tags=["connectors"])
async def post_notification(
    name: str, request: Request, authorization: Annotated[str | None, Header()] = None
) -> Response:
    """Take one notification of an NRC (VNG ZGW Notificaties API) for the connector `name`."""
    callbacks = _callbacks(request)
    receiver = callbacks.receivers.get(name)
    if receiver is None:
        raise NotFoundError(f"no zgw-notificaties connector named {name!r} is served here")
    if not receiver.authorized(authorization):
        raise UnauthenticatedError("the Authorization header is not this abonnement's auth value")
    runtime = get_runtime(request)
    body = await read_limited(
        request.stream(), request.headers.get("content-length"), runtime.settings.max_body_bytes
    )
    outcome = receiver.receive(authorization, body)
    if isinstance(outcome, Unauthorized):
        raise UnauthenticatedError("the Authorization header is not this abonnement's auth value")
    if isinstance(outcome, Handshake | Ignored):
        return Response(status_code=204)
    try:
        counts = await _deliver(runtime, callbacks, receiver, outcome)
    except TransientError as exc:
        raise CallbackUnavailableError(f"the hub cannot take the notification now: {exc}") from exc
    await in_thread(SqlConnectorStateStore(runtime.sessions).advance, name, None, counts, success=True)
    return Response(status_code=204)


async def _deliver(
    runtime: Runtime, callbacks: ZgwCallbacks, receiver: ZgwReceiver, outcome: Emit | Reject
) -> Counts:
    """Into the hub (an event) or onto the dead-letter topic (a reject); the counts to add."""
    if runtime.ingest is None or runtime.publisher is None:
        raise BrokerUnavailableError("no broker is configured or running")
    org = await _organisation(runtime, receiver)
    await _register(runtime, callbacks, receiver)
    sink = HubSink(org=org, ingest=runtime.ingest, publisher=runtime.publisher, topology=runtime.topology)
    if isinstance(outcome, Reject):
        await sink.dead_letter(receiver.name, [outcome])
        log.info("zgw %s: dead-lettered %s (%s)", receiver.name, outcome.position, outcome.reason)
        return Counts(dead_lettered=1)
    event_id = str(outcome.event["id"])
    journal = SqlJournalStore(runtime.sessions)
    seen = (await in_thread(journal.known, org.source, [event_id])).get(event_id)
    refused = await send(sink, [outcome])
    await sink.dead_letter(receiver.name, refused)
    for reject in refused:
        log.info("zgw %s: dead-lettered %s (%s)", receiver.name, reject.position, reject.reason)
    first = seen is None or seen.state is not JournalState.PUBLISHED
    return Counts(emitted=int(first and not refused), dead_lettered=len(refused))


async def _organisation(runtime: Runtime, receiver: ZgwReceiver) -> Organisation:
    org = await in_thread(runtime.directory.organisation, receiver.config.org)
    if org is None:
        raise CallbackUnavailableError(
            f"connector {receiver.name}: organisation {receiver.config.org!r} is not in this deployment "
            "(wijkbrug org add); the NRC will deliver again"
        )
    return org


async def _register(runtime: Runtime, callbacks: ZgwCallbacks, receiver: ZgwReceiver) -> None:
    """Give the connector its row in the state store on first use (state running)."""
    if receiver.name in callbacks.registered:
        return
    store = SqlConnectorStateStore(runtime.sessions)
    await in_thread(store.register, receiver.name, KIND, receiver.config.org)
    await in_thread(store.set_state, receiver.name, State.RUNNING)
    callbacks.registered.add(receiver.name)
