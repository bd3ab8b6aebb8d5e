"""How new topics are replicated (`WIJKBRUG_TOPIC_REPLICATION_FACTOR`, `WIJKBRUG_TOPIC_MIN_INSYNC_REPLICAS`).

One broker (embedded, laptop) by default. A production cluster of three brokers wants every topic on three
of them and a write acknowledged by two (`acks=all` with `min.insync.replicas=2`): one broker may fail
without losing an acknowledged event or stopping the gateway.
"""

from __future__ import annotations

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class TopicReplication(BaseSettings):
    """Replication of the topics wijkbrug creates."""

    model_config = SettingsConfigDict(env_prefix="WIJKBRUG_TOPIC_", extra="ignore")

    replication_factor: int = Field(default=1, ge=1, le=16)
    min_insync_replicas: int | None = Field(default=None, ge=1, le=16)

    @model_validator(mode="after")
    def _consistent(self) -> TopicReplication:
        if self.min_insync_replicas is not None and self.min_insync_replicas > self.replication_factor:
            raise ValueError(
                f"WIJKBRUG_TOPIC_MIN_INSYNC_REPLICAS={self.min_insync_replicas} is more than "
                f"WIJKBRUG_TOPIC_REPLICATION_FACTOR={self.replication_factor}: no write could succeed"
            )
        return self

    def topic_configs(self) -> dict[str, str]:
        """The per-topic configuration to create topics with."""
        if self.min_insync_replicas is None:
            return {}
        return {"min.insync.replicas": str(self.min_insync_replicas)}
