"""GatewayClient: publishes a batch, retries what is worth retrying with backoff, gives up cleanly."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from connectors.errors import DeliveryError, HubUnavailableError
from connectors.gateway_client import BATCH, GatewayClient

BASE_URL = "https://hub.example"
TOKEN = "wbo_test-token-123"
EVENTS: list[dict[str, Any]] = [
    {"specversion": "1.0", "id": "evt-1", "source": "urn:nl:wijkbrug:org:woco", "data": {"n": 1}},
    {"specversion": "1.0", "id": "evt-2", "source": "urn:nl:wijkbrug:org:woco", "data": {"n": 2}},
]

Reply = httpx.Response | Exception


def accepted(ids: Sequence[str] = ("evt-1", "evt-2")) -> httpx.Response:
    return httpx.Response(202, json={"accepted": list(ids)})


def status(code: int, headers: dict[str, str] | None = None, body: str = "") -> httpx.Response:
    return httpx.Response(code, headers=headers, text=body)


def refused_connection(request: httpx.Request) -> Exception:
    return httpx.ConnectError("connection refused", request=request)


@dataclass
class FakeHub:
    """Answers requests with the scripted replies in order (the last one repeats); records everything."""

    replies: list[Reply | Callable[[httpx.Request], Reply]]
    requests: list[httpx.Request] = field(default_factory=list)
    delays: list[float] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        reply = self.replies[min(len(self.requests), len(self.replies)) - 1]
        if callable(reply):
            reply = reply(request)
        if isinstance(reply, Exception):
            raise reply
        return reply

    def sleep(self, seconds: float) -> None:
        self.delays.append(seconds)

    def client(self, **options: Any) -> GatewayClient:
        return GatewayClient(
            BASE_URL, TOKEN, transport=httpx.MockTransport(self.handle), sleep=self.sleep, **options
        )


def fake_hub(*replies: Reply | Callable[[httpx.Request], Reply]) -> FakeHub:
    return FakeHub(list(replies))


def test_a_202_returns_the_accepted_ids_at_once() -> None:
    hub = fake_hub(accepted(["evt-1", "evt-2"]))

    with hub.client() as client:
        assert client.publish(EVENTS) == ["evt-1", "evt-2"]

    assert len(hub.requests) == 1
    assert hub.delays == []


def test_the_request_is_the_batch_with_the_token_and_the_batch_content_type() -> None:
    hub = fake_hub(accepted())

    with hub.client() as client:
        client.publish(EVENTS)

    (request,) = hub.requests
    assert request.method == "POST"
    assert str(request.url) == f"{BASE_URL}/api/v1/events"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["Content-Type"] == BATCH == "application/cloudevents-batch+json"
    assert json.loads(request.content) == EVENTS


def test_the_same_body_is_sent_on_every_attempt() -> None:
    hub = fake_hub(status(503), status(502), accepted())

    with hub.client() as client:
        client.publish(tuple(EVENTS))

    assert len(hub.requests) == 3
    assert all(json.loads(request.content) == EVENTS for request in hub.requests)


@pytest.mark.parametrize(
    ("retry_after", "max_backoff_s", "delay"),
    [("3", 30.0, 3.0), ("0", 30.0, 0.0), ("120", 30.0, 30.0)],
    ids=["as-asked", "zero", "capped-by-the-ceiling"],
)
def test_a_503_with_retry_after_is_retried_after_that_delay(
    retry_after: str, max_backoff_s: float, delay: float
) -> None:
    hub = fake_hub(status(503, {"Retry-After": retry_after}), accepted())

    with hub.client(max_backoff_s=max_backoff_s) as client:
        assert client.publish(EVENTS) == ["evt-1", "evt-2"]

    assert hub.delays == [delay]
    assert len(hub.requests) == 2


def test_a_429_with_retry_after_is_honoured_too() -> None:
    hub = fake_hub(status(429, {"Retry-After": "7"}), accepted())

    with hub.client() as client:
        client.publish(EVENTS)

    assert hub.delays == [7.0]


def _ceiling(attempt: int, max_backoff_s: float) -> float:
    """Exponential from half a second, capped."""
    return min(max_backoff_s, 0.5 * 2.0 ** (attempt - 1))


@pytest.mark.parametrize(
    "failure",
    [
        status(429),
        status(500),
        status(502),
        status(503),
        status(504),
        status(503, {"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"}),  # a date: not understood
        refused_connection,
    ],
    ids=["429", "500", "502", "503", "504", "503-retry-after-date", "connection-error"],
)
def test_retryable_failures_back_off_exponentially_with_jitter(
    failure: Reply | Callable[[httpx.Request], Reply],
) -> None:
    max_backoff_s = 6.0
    failures = 7
    rounds = 200
    per_attempt: list[list[float]] = [[] for _ in range(failures)]
    for _ in range(rounds):
        hub = fake_hub(*([failure] * failures), accepted())
        with hub.client(max_attempts=failures + 1, max_backoff_s=max_backoff_s) as client:
            assert client.publish(EVENTS) == ["evt-1", "evt-2"]
        assert len(hub.requests) == failures + 1
        assert len(hub.delays) == failures
        for attempt, delay in enumerate(hub.delays, start=1):
            assert 0.0 <= delay <= _ceiling(attempt, max_backoff_s), (attempt, delay)
            per_attempt[attempt - 1].append(delay)

    # Full jitter: the delays vary, and over many rounds each attempt reaches past the previous
    # attempt's ceiling until the cap (uniform draws: all 200 below it has probability 2**-200).
    for attempt, delays in enumerate(per_attempt, start=1):
        assert len(set(delays)) > rounds // 2, f"attempt {attempt}: no jitter"
        if attempt > 1 and _ceiling(attempt, max_backoff_s) > _ceiling(attempt - 1, max_backoff_s):
            assert max(delays) > _ceiling(attempt - 1, max_backoff_s), f"attempt {attempt}: not growing"
    assert max(per_attempt[-1]) <= max_backoff_s


@pytest.mark.parametrize("code", [400, 401, 403, 404, 409, 413, 415, 422])
def test_a_refusal_is_a_delivery_error_without_retry(code: int) -> None:
    body = json.dumps({"title": "Unprocessable", "status": code, "errors": [{"field": "subject"}]})
    hub = fake_hub(status(code, body=body), accepted())

    with hub.client() as client, pytest.raises(DeliveryError) as raised:
        client.publish(EVENTS)

    assert raised.value.status == code
    assert raised.value.body == body
    assert str(code) in str(raised.value)
    assert len(hub.requests) == 1
    assert hub.delays == []


def test_a_refusal_after_retries_is_still_a_delivery_error() -> None:
    hub = fake_hub(status(503, {"Retry-After": "1"}), status(422, body="bad subject"))

    with hub.client() as client, pytest.raises(DeliveryError) as raised:
        client.publish(EVENTS)

    assert raised.value.status == 422
    assert hub.delays == [1.0]


@pytest.mark.parametrize(
    ("failure", "message"),
    [
        (status(503, {"Retry-After": "2"}), "503 4 times"),
        (status(429), "429 4 times"),
        (refused_connection, "no connection"),
    ],
    ids=["503", "429", "connection-error"],
)
def test_the_retry_budget_runs_out_with_hub_unavailable(
    failure: Reply | Callable[[httpx.Request], Reply], message: str
) -> None:
    hub = fake_hub(failure)

    with hub.client(max_attempts=4) as client, pytest.raises(HubUnavailableError, match=message):
        client.publish(EVENTS)

    assert len(hub.requests) == 4
    assert len(hub.delays) == 3  # no pointless wait after the last attempt


def test_a_single_attempt_never_sleeps() -> None:
    hub = fake_hub(status(503, {"Retry-After": "5"}))

    with hub.client(max_attempts=1) as client, pytest.raises(HubUnavailableError):
        client.publish(EVENTS)

    assert (len(hub.requests), hub.delays) == (1, [])
