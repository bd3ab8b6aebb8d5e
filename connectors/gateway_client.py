"""Publishing CloudEvents to a wijkbrug gateway over HTTP, as a partner-side connector does.

Retries what is worth retrying (503 with Retry-After, 429, other 5xx, connection errors) with exponential
backoff and jitter; re-sending is safe because the gateway is idempotent on (source, id).
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import httpx

from connectors.errors import DeliveryError, HubUnavailableError

BATCH = "application/cloudevents-batch+json"
RETRYABLE = frozenset({429, 500, 502, 503, 504})


class GatewayClient:
    """A client of `POST /api/v1/events` for one organisation's token."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        max_attempts: int = 8,
        max_backoff_s: float = 30.0,
        timeout_s: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._client = httpx.Client(
            base_url=base_url,
            headers={"Authorization": f"Bearer {token}", "Content-Type": BATCH},
            timeout=timeout_s,
            transport=transport,
        )
        self._max_attempts = max_attempts
        self._max_backoff_s = max_backoff_s
        self._sleep = sleep
        self._random = random.Random()  # noqa: S311 - jitter, not security

    def publish(self, events: Sequence[Mapping[str, Any]]) -> list[str]:
        """Publish a batch (all or nothing); returns the accepted ids."""
        body = json.dumps(list(events))
        for attempt in range(1, self._max_attempts + 1):
            try:
                response = self._client.post("/api/v1/events", content=body)
            except httpx.TransportError as exc:
                if attempt == self._max_attempts:
                    raise HubUnavailableError(f"no connection to the hub: {exc}") from exc
                self._sleep(self._backoff(attempt, None))
                continue
            if response.status_code == 202:
                accepted: list[str] = response.json()["accepted"]
                return accepted
            if response.status_code not in RETRYABLE:
                raise DeliveryError(response.status_code, response.text)
            if attempt == self._max_attempts:
                raise HubUnavailableError(
                    f"the hub answered {response.status_code} {self._max_attempts} times"
                )
            self._sleep(self._backoff(attempt, response.headers.get("Retry-After")))
        raise HubUnavailableError("no attempts were made")  # pragma: no cover - max_attempts >= 1

    def _backoff(self, attempt: int, retry_after: str | None) -> float:
        if retry_after is not None and retry_after.isdigit():
            return min(float(retry_after), self._max_backoff_s)
        ceiling = min(self._max_backoff_s, 0.5 * 2 ** (attempt - 1))
        return self._random.uniform(0, ceiling)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> GatewayClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
