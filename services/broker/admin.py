"""Creating topics explicitly, with their partition counts, before any client touches them.

Brokers that auto-create topics (tansu does on a metadata request) pick their own partition count, after
which faust refuses to start (PartitionsMismatch). So every topic is created here first.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from services.broker.errors import BrokerUnavailableError, TopicMismatchError
from services.broker.replication import TopicReplication
from services.broker.security import KafkaSecurity
from services.broker.topics import TopicSpec

log = logging.getLogger(__name__)


def admin_client(bootstrap: str, timeout_s: float = 10.0) -> KafkaAdminClient:
    """A kafka-python admin client, or BrokerUnavailableError if the broker cannot be reached."""
    try:
        return KafkaAdminClient(
            bootstrap_servers=bootstrap,
            client_id="wijkbrug-admin",
            request_timeout_ms=int(timeout_s * 1000),
            bootstrap_timeout_ms=int(timeout_s * 1000),
            **KafkaSecurity().client_kwargs(),
        )
    except KafkaError as exc:
        raise BrokerUnavailableError(f"cannot reach the broker at {bootstrap}: {exc}") from exc


def ensure_topics(
    bootstrap: str,
    specs: Sequence[TopicSpec],
    *,
    replication: TopicReplication | None = None,
    timeout_s: float = 10.0,
) -> list[str]:
    """Create the topics of `specs` that do not exist; return the names created.

    Replication comes from `WIJKBRUG_TOPIC_*` unless given. An existing topic with another partition count
    is an error: silently using it would break the co-partitioning that faust's tables rely on.
    """
    replication = replication if replication is not None else TopicReplication()
    admin = admin_client(bootstrap, timeout_s)
    try:
        existing = set(admin.list_topics())
        created: list[str] = []
        for spec in specs:
            if spec.name in existing:
                continue
            try:
                admin.create_topics(
                    [
                        NewTopic(
                            spec.name,
                            spec.partitions,
                            replication.replication_factor,
                            topic_configs=replication.topic_configs(),
                        )
                    ]
                )
                created.append(spec.name)
            except TopicAlreadyExistsError:
                pass  # created concurrently by another process
        _check_partitions(admin, [spec for spec in specs if spec.name not in created])
        if created:
            log.info("created topics %s", ", ".join(created))
        return created
    except KafkaError as exc:
        raise BrokerUnavailableError(f"topic administration failed at {bootstrap}: {exc}") from exc
    finally:
        admin.close()


def _check_partitions(admin: KafkaAdminClient, specs: Sequence[TopicSpec]) -> None:
    if not specs:
        return
    wanted = {spec.name: spec.partitions for spec in specs}
    for description in admin.describe_topics(list(wanted)):
        name = description["name"]
        actual = len(description["partitions"])
        if actual != wanted[name]:
            raise TopicMismatchError(
                f"topic {name} has {actual} partitions, the deployment expects {wanted[name]}; "
                "recreate it or set the WIJKBRUG_PARTITIONS_* settings to match"
            )


def list_topics(bootstrap: str, timeout_s: float = 10.0) -> set[str]:
    """The names of every topic on the broker."""
    admin = admin_client(bootstrap, timeout_s)
    try:
        return set(admin.list_topics())
    except KafkaError as exc:
        raise BrokerUnavailableError(f"cannot list topics at {bootstrap}: {exc}") from exc
    finally:
        admin.close()
