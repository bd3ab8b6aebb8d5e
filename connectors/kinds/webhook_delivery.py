"""From a record on `buurt.decisions` to signed HTTP deliveries, one per instructed organisation.

Each organisation with a target gets its own delivery: the decision's CloudEvent with `data.instructions`
narrowed to that organisation's own instructions (a partner learns what it must do, not what the others
must do). The body bytes are computed once, so every retry sends exactly the same body with the same
`Idempotency-Key` (`sha256("<event id>:<org>")` in hex); only the signature's timestamp is fresh per attempt.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import httpx
from pydantic import SecretStr, ValidationError

from connectors.signature import SIGNATURE_HEADER, sign
from schemas.data.taskforce import TaskforceDecisionMade
from services.broker.records import dumps

DECISION_TYPE = "nl.wijkbrug.taskforce.decision.made"
IDEMPOTENCY_HEADER = "Idempotency-Key"
EVENT_ID_HEADER = "Wijkbrug-Event-Id"
USER_AGENT = "wijkbrug-webhook-out/1"
RETRYABLE_STATUSES = frozenset({408, 429})
MAX_DETAIL_CHARS = 300


class InvalidDecisionError(ValueError):
    """A record on the decisions topic that is not a well-formed decision; it is dead-lettered."""

    def __init__(self, reason: str, message: str, field: str = "") -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Delivery:
    """One decision for one organisation: what is POSTed, to where, under which idempotency key."""

    org: str
    url: str
    event_id: str
    body: bytes
    idempotency_key: str

    def payload(self) -> Any:
        """The body as JSON (for a dead-letter record)."""
        return json.loads(self.body)


@dataclass(frozen=True)
class Plan:
    """The deliveries of one decision, and the instructed organisations that have no target."""

    deliveries: list[Delivery]
    without_target: list[str]


class Outcome(StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"
    REJECTED = "rejected"


@dataclass(frozen=True)
class Attempt:
    """The result of one POST."""

    outcome: Outcome
    status: int | None
    detail: str
    retry_after_s: float | None = None


def idempotency_key(event_id: str, org: str) -> str:
    """The same for every attempt and redelivery of one decision to one organisation."""
    return hashlib.sha256(f"{event_id}:{org}".encode()).hexdigest()


def parse_decision(value: bytes | None) -> dict[str, Any] | None:
    """The decision event in a record value; None for another event type (not for this connector).

    Raises InvalidDecisionError for a value that is no JSON object or a malformed decision.
    """
    try:
        event = json.loads(value or b"")
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidDecisionError("invalid_json", f"the record is not JSON: {exc}") from exc
    if not isinstance(event, dict):
        raise InvalidDecisionError("not_an_object", "the record is not a JSON object")
    if event.get("type") != DECISION_TYPE:
        return None
    event_id = event.get("id")
    if not isinstance(event_id, str) or not event_id:
        raise InvalidDecisionError("invalid_decision", "the decision has no id", "id")
    try:
        TaskforceDecisionMade.model_validate(event.get("data"))
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        field = ".".join(["data", *(str(part) for part in first["loc"])])
        raise InvalidDecisionError("invalid_decision", f"{field}: {first['msg']}", field) from exc
    return event


def plan(event: Mapping[str, Any], urls: Mapping[str, str]) -> Plan:
    """One delivery per instructed organisation in `urls` (org -> URL), in the order of the instructions."""
    instructions: list[dict[str, Any]] = list(event["data"]["instructions"])
    orgs = list(dict.fromkeys(str(item["org"]) for item in instructions))
    deliveries = []
    for org in orgs:
        url = urls.get(org)
        if url is None:
            continue
        own = [item for item in instructions if item["org"] == org]
        body = dumps({**event, "data": {**event["data"], "instructions": own}})
        deliveries.append(
            Delivery(
                org=org,
                url=url,
                event_id=str(event["id"]),
                body=body,
                idempotency_key=idempotency_key(str(event["id"]), org),
            )
        )
    return Plan(deliveries=deliveries, without_target=[org for org in orgs if org not in urls])


def headers(delivery: Delivery, secret: SecretStr, timestamp: int) -> dict[str, str]:
    """The request headers of one attempt."""
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        SIGNATURE_HEADER: sign(secret.get_secret_value(), delivery.body, timestamp),
        IDEMPOTENCY_HEADER: delivery.idempotency_key,
        EVENT_ID_HEADER: delivery.event_id,
    }


async def attempt(
    client: httpx.AsyncClient, delivery: Delivery, secret: SecretStr, timestamp: int
) -> Attempt:
    """POST `delivery` once: delivered on 2xx; retry on no answer, 408, 429 and 5xx; rejected otherwise."""
    try:
        response = await client.post(
            delivery.url, content=delivery.body, headers=headers(delivery, secret, timestamp)
        )
    except httpx.TransportError as exc:
        return Attempt(Outcome.RETRY, None, f"no answer ({type(exc).__name__})")
    status = response.status_code
    if 200 <= status < 300:
        return Attempt(Outcome.DELIVERED, status, f"HTTP {status}")
    detail = f"HTTP {status}: {response.text[:MAX_DETAIL_CHARS]}".rstrip(": ")
    if status in RETRYABLE_STATUSES or status >= 500:
        return Attempt(Outcome.RETRY, status, detail, _retry_after(response))
    return Attempt(Outcome.REJECTED, status, detail)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "").strip()
    return float(value) if value.isascii() and value.isdigit() else None
