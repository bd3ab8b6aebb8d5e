"""`kind: webhook-out`: delivers the taskforce's decisions from `buurt.decisions` to the partners' URLs.

    name: decisions-out
    kind: webhook-out
    org: gemeente                      # the organisation that runs the connector (the hub's operator)
    timeout_s: 10
    retry: {initial_s: 0.5, max_s: 60}
    targets:
      woonstad: {url: "https://woonstad.example/wijkbrug/decisions", secret_env: WOONSTAD_WEBHOOK_SECRET}

The connector consumes the decisions topic in its own consumer group (`<prefix>wijkbrug-webhook-out-<name>`).
For every `taskforce.decision.made` record it POSTs, to each instructed organisation that has a target,
the decision's CloudEvent narrowed to that organisation's instructions (`connectors.kinds.webhook_delivery`),
with the headers

    Content-Type: application/json
    Wijkbrug-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
    Idempotency-Key: <hex sha256("<decision event id>:<org>")>   (the same for every attempt and redelivery)
    Wijkbrug-Event-Id: <decision event id>

Verifying at the receiver (`connectors.signature.verify` does it): recompute the HMAC over "<t>.<body>"
with the shared secret, compare in constant time, and reject a `t` more than 5 minutes from the receiver's
clock (replay protection); deduplicate on `Idempotency-Key`, since delivery is at least once.

Delivery guarantees:
- 2xx is delivered. No answer (connection error, timeout), 408, 429 and 5xx are retried with exponential
  backoff and full jitter (the connector's `retry` policy; a `Retry-After` in seconds is honoured) until
  delivered or the connector stops; every attempt is signed afresh with the same body.
- Any other answer (3xx, which is not followed, and 4xx other than 408/429, including 401/403) is permanent
  for that delivery: it is dead-lettered on `wijkbrug.deadletter` (producer `connector:<name>`, position
  `<topic>:<partition>:<offset>`, the narrowed event as record) and the connector goes on.
- A record that is not JSON or not a well-formed decision is dead-lettered the same way; records of other
  event types are skipped.
- The consumer group's offsets are committed only after every delivery of a batch of records was delivered
  or dead-lettered (at least once: after a crash the batch is delivered again, with the same idempotency
  keys). Instructions for organisations without a target are skipped.

State (`wijkbrug connector status`): emitted counts deliveries, dead_lettered the dead letters, retried the
failed attempts that were retried; the checkpoint shows, for display, the next offset per partition
(`offsets`, what is committed after the batch) and the skipped counts (`skipped`: `no_target` instructed
organisations without a target, `other_type` records that are no decision). Pausing holds the current
batch until resumed. Secrets are read from the environment when the connector is built and never logged.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from connectors.config import ConnectorConfig, EnvName, Slug
from connectors.errors import ConfigError
from connectors.kinds.webhook_delivery import (
    Attempt,
    Delivery,
    InvalidDecisionError,
    Outcome,
    attempt,
    parse_decision,
    plan,
)
from connectors.model import Checkpoint, Counts, State
from connectors.retry import Backoff
from connectors.state import ConnectorStateStore
from connectors.state_sql import SqlConnectorStateStore
from schemas.deadletter import DeadLetterIssue, DeadLetterRecord, Origin, dead_letter
from services.broker.admin import ensure_topics
from services.broker.consumer import BatchConsumer
from services.broker.discovery import resolve_bootstrap
from services.broker.errors import BrokerUnavailableError, TopicMismatchError
from services.broker.publisher import KafkaPublisher, Publisher
from services.broker.records import CONTENT_TYPE_HEADER, OutboundRecord, dumps
from services.broker.topics import TopicSpec, Topology
from services.config import Settings
from services.deployment import Deployment

log = logging.getLogger(__name__)

MIN_SECRET_BYTES = 16
PAUSED_CHECK_S = 1.0


class WebhookTarget(BaseModel):
    """Where an organisation receives its decisions, and the environment variable with its HMAC key."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: Annotated[str, Field(pattern=r"^https?://")]
    secret_env: EnvName


class WebhookOutConfig(ConnectorConfig):
    """The file of a `webhook-out` connector."""

    kind: Literal["webhook-out"]
    targets: Annotated[dict[Slug, WebhookTarget], Field(min_length=1)]
    timeout_s: Annotated[float, Field(gt=0, le=300)] = 10.0


class StoppedError(Exception):
    """The connector was asked to stop in the middle of a batch: its offsets must not be committed."""


def target_secrets(config: WebhookOutConfig, file: str) -> dict[str, SecretStr]:
    """Every target's HMAC key from the environment, or a ConfigError naming the target's field."""
    secrets: dict[str, SecretStr] = {}
    for org, target in config.targets.items():
        field = f"targets.{org}.secret_env"
        value = os.environ.get(target.secret_env)
        if not value:
            raise ConfigError(file, field, f"environment variable {target.secret_env} is not set")
        if len(value.encode("utf-8")) < MIN_SECRET_BYTES:
            raise ConfigError(
                file, field, f"the secret in {target.secret_env} is shorter than {MIN_SECRET_BYTES} bytes"
            )
        secrets[org] = SecretStr(value)
    return secrets


def consumer_group(topology: Topology, name: str) -> str:
    """The consumer group of the webhook-out connector `name`."""
    return f"{topology.prefix}wijkbrug-webhook-out-{name}"


class WebhookOutConnector:
    """Consumes `buurt.decisions` and delivers each decision to the organisations it instructs."""

    def __init__(
        self,
        config: WebhookOutConfig,
        *,
        bootstrap: str,
        topology: Topology,
        store: ConnectorStateStore,
        publisher: Publisher,
        secrets: Mapping[str, SecretStr],
        client: httpx.AsyncClient | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.name = config.name
        self.topology = topology
        self.group_id = consumer_group(topology, config.name)
        self._bootstrap = bootstrap
        self._store = store
        self._publisher = publisher
        self._secrets = dict(secrets)
        self._urls = {org: target.url for org, target in config.targets.items()}
        self._client = client
        self._clock = clock
        self._stop = asyncio.Event()
        self._state: State | None = None
        self._offsets: dict[str, int] = {}
        self._skipped = {"no_target": 0, "other_type": 0}
        self.consumer = BatchConsumer(
            name=f"webhook-out-{config.name}",
            bootstrap=bootstrap,
            group_id=self.group_id,
            handler=self._handle,
            topics=[topology.decisions],
        )

    async def run(self, stop: asyncio.Event) -> None:
        """Consume and deliver until `stop` is set."""
        self._stop = stop
        status = await asyncio.to_thread(self._store.register, self.name, self.config.kind, self.config.org)
        self._restore(status.checkpoint)
        await asyncio.to_thread(self._ensure_topic)
        client = self._client or httpx.AsyncClient(timeout=self.config.timeout_s, follow_redirects=False)
        self._client = client
        await self._enter(State.RUNNING)
        try:
            await self.consumer.run(stop)
        finally:
            await self._enter(State.STOPPED)
            await client.aclose()
            await asyncio.to_thread(self._publisher.close)

    def _ensure_topic(self) -> None:
        """Create the decisions topic with its partition count if it is missing (never auto-created)."""
        spec = TopicSpec(self.topology.decisions, self.topology.partitions_decisions)
        try:
            ensure_topics(self._bootstrap, [spec])
        except (BrokerUnavailableError, TopicMismatchError) as exc:
            log.warning("connector %s: cannot check topic %s: %s", self.name, spec.name, exc)

    def _restore(self, checkpoint: Checkpoint | None) -> None:
        if not checkpoint:
            return
        offsets = checkpoint.get("offsets")
        if isinstance(offsets, dict):
            self._offsets = {str(key): int(value) for key, value in offsets.items()}
        skipped = checkpoint.get("skipped")
        if isinstance(skipped, dict):
            for key in self._skipped:
                self._skipped[key] = int(skipped.get(key, 0))

    async def _handle(self, records: Sequence[Any]) -> None:
        """Deliver every decision of a batch (or dead-letter it); raising keeps the offsets uncommitted."""
        await self._wait_while_paused()
        letters: list[DeadLetterRecord] = []
        delivered = 0
        skipped = {"no_target": 0, "other_type": 0}
        for record in records:
            origin = Origin(topic=record.topic, partition=record.partition, offset=record.offset)
            position = f"{record.topic}:{record.partition}:{record.offset}"
            try:
                event = parse_decision(record.value)
            except InvalidDecisionError as exc:
                letters.append(self._letter(exc.reason, exc.field, exc.message, _text(record.value), origin))
                continue
            if event is None:
                skipped["other_type"] += 1
                continue
            work = plan(event, self._urls)
            skipped["no_target"] += len(work.without_target)
            for delivery in work.deliveries:
                result = await self._deliver(delivery, position)
                if result.outcome is Outcome.DELIVERED:
                    delivered += 1
                else:
                    message = f"the target of {delivery.org} refused the decision: {result.detail}"
                    reason = f"webhook_http_{result.status}" if result.status else "webhook_rejected"
                    letters.append(
                        self._letter(reason, f"targets.{delivery.org}", message, delivery.payload(), origin)
                    )
        await self._dead_letter(letters)
        for record in records:
            key = f"{record.topic}:{record.partition}"
            self._offsets[key] = max(self._offsets.get(key, 0), record.offset + 1)
        for key, count in skipped.items():
            self._skipped[key] += count
        checkpoint = {"offsets": dict(sorted(self._offsets.items())), "skipped": dict(self._skipped)}
        counts = Counts(emitted=delivered, dead_lettered=len(letters))
        await asyncio.to_thread(self._store.advance, self.name, checkpoint, counts, success=True)
        await self._enter(State.RUNNING)

    async def _deliver(self, delivery: Delivery, position: str) -> Attempt:
        """Attempt `delivery` until it is delivered or rejected; StoppedError if stopped first."""
        backoff = Backoff(self.config.retry)
        secret = self._secrets[delivery.org]
        client = self._client
        if client is None:
            raise RuntimeError("deliveries start in run()")
        while not self._stop.is_set():
            result = await attempt(client, delivery, secret, int(self._clock()))
            if result.outcome is not Outcome.RETRY:
                if result.outcome is Outcome.REJECTED:
                    log.warning(
                        "connector %s: %s refused the decision at %s (%s): dead-lettered",
                        self.name,
                        delivery.org,
                        position,
                        result.status,
                    )
                return result
            delay = backoff.next_delay(result.retry_after_s)
            error = f"delivery to {delivery.org} ({position}): {result.detail}"
            log.warning("connector %s: %s; retrying in %.2f s", self.name, error, delay)
            await asyncio.to_thread(self._store.count, self.name, Counts(retried=1))
            await self._enter(State.RETRYING, error)
            if await _stopped_within(self._stop, delay):
                break
        raise StoppedError(f"stopped before {delivery.org} took the decision at {position}")

    async def _wait_while_paused(self) -> None:
        while True:
            status = await asyncio.to_thread(self._store.get, self.name)
            if status is None or not status.paused:
                return
            await self._enter(State.PAUSED)
            if await _stopped_within(self._stop, PAUSED_CHECK_S):
                raise StoppedError("stopped while paused")

    def _letter(self, reason: str, field: str, message: str, record: Any, origin: Origin) -> DeadLetterRecord:
        return dead_letter(
            reason,
            [DeadLetterIssue(field=field, code=reason, message=message)],
            record,
            producer=f"connector:{self.name}",
            origin=origin,
            position=f"{origin.topic}:{origin.partition}:{origin.offset}",
        )

    async def _dead_letter(self, letters: Sequence[DeadLetterRecord]) -> None:
        if not letters:
            return
        await self._publisher.publish(
            [
                OutboundRecord(
                    topic=self.topology.deadletter,
                    key=self.name.encode("utf-8"),
                    value=dumps(letter.model_dump(mode="json")),
                    headers=[(CONTENT_TYPE_HEADER, b"application/json")],
                )
                for letter in letters
            ]
        )

    @property
    def state(self) -> State | None:
        """The state the connector is in now (None before it started)."""
        return self._state

    async def _enter(self, state: State, error: str | None = None) -> None:
        if state is not self._state or error is not None:
            self._state = state
            await asyncio.to_thread(self._store.set_state, self.name, state, error)


def webhook_out_runner(
    path: Path, config: ConnectorConfig, settings: Settings, deployment: Deployment
) -> WebhookOutConnector:
    """The webhook-out connector of `config` on this deployment's broker and state store."""
    file = str(path)
    if not isinstance(config, WebhookOutConfig):
        raise ConfigError(file, "kind", f"a {config.kind} connector does not consume buurt.decisions")
    secrets = target_secrets(config, file)
    bootstrap = resolve_bootstrap(settings)
    if bootstrap is None:
        raise ConfigError(file, "", "no broker: run `wijkbrug up` or set WIJKBRUG_KAFKA_BOOTSTRAP")
    publisher = KafkaPublisher(
        bootstrap, timeout_s=settings.produce_timeout_s, client_id=f"connector-{config.name}"
    )
    return WebhookOutConnector(
        config,
        bootstrap=bootstrap,
        topology=Topology.from_settings(settings),
        store=SqlConnectorStateStore(deployment.sessions),
        publisher=publisher,
        secrets=secrets,
    )


def _text(value: bytes | None) -> str:
    return (value or b"").decode("utf-8", errors="replace")


async def _stopped_within(stop: asyncio.Event, seconds: float) -> bool:
    """Wait `seconds` unless `stop` is set first; True if stopped."""
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        return False
    return True
