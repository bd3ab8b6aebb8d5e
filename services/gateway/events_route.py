"""POST /api/v1/events: the partners' way in (PRODUCT.md "Interfaces that stay stable")."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from opentelemetry.propagate import extract
from opentelemetry.trace import SpanKind
from pydantic import BaseModel

from services.broker.errors import BrokerUnavailableError
from services.directory.model import Organisation
from services.errors import WijkbrugError
from services.gateway.bodies import parse_body, read_limited
from services.gateway.deps import get_runtime, org_principal
from services.http.problems import status_of
from services.http.responses import API_ERRORS, PAYLOAD_TOO_LARGE, UNSUPPORTED_MEDIA_TYPE
from services.telemetry.metrics import instruments
from services.telemetry.tracing import tracer

router = APIRouter(responses={**API_ERRORS, 413: PAYLOAD_TOO_LARGE, 415: UNSUPPORTED_MEDIA_TYPE})


class Accepted(BaseModel):
    """The ids of the accepted events, in request order."""

    accepted: list[str]


@router.post("/api/v1/events", status_code=202, response_model=Accepted, tags=["ingest"])
async def post_events(request: Request, org: Annotated[Organisation, Depends(org_principal)]) -> Accepted:
    """Publish one event or a batch (all or nothing); 202 only after the broker acknowledged."""
    runtime = get_runtime(request)
    with tracer().start_as_current_span(
        "POST /api/v1/events",
        context=extract(dict(request.headers)),
        kind=SpanKind.SERVER,
        attributes={"http.request.method": "POST", "http.route": "/api/v1/events", "wijkbrug.org": org.slug},
    ):
        counters, received = instruments(), 1  # an unreadable body counts as one event refused
        try:
            body = await read_limited(
                request.stream(), request.headers.get("content-length"), runtime.settings.max_body_bytes
            )
            parsed = parse_body(request.headers, body, runtime.settings.max_batch_events)
            received = len(parsed.events)
            if runtime.ingest is None:
                raise BrokerUnavailableError("no broker is configured or running")
            ids = await runtime.ingest.accept(org, parsed.events)
        except WijkbrugError as exc:
            counters.events_received.add(received, {"org": org.slug})
            _, reason = status_of(exc)  # the error code the partner got
            counters.events_rejected.add(received, {"org": org.slug, "reason": reason})
            raise
        counters.events_received.add(received, {"org": org.slug})
        counters.events_accepted.add(len(ids), {"org": org.slug})
    return Accepted(accepted=ids)
