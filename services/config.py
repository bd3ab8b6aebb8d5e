"""Configuration of a wijkbrug deployment, from `WIJKBRUG_*` environment variables and flags."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything a wijkbrug process needs to find its deployment.

    The same settings drive `wijkbrug up` and every other command, so that a command given the same
    `--data-dir` acts on the same deployment, also while `wijkbrug up` runs.
    """

    model_config = SettingsConfigDict(env_prefix="WIJKBRUG_", extra="ignore")

    data_dir: Path = Field(default=Path(".wijkbrug"), description="Where the deployment keeps its state.")
    database_url: SecretStr | None = Field(
        default=None, description="SQLAlchemy URL; default: SQLite in the data directory."
    )
    kafka_bootstrap: str | None = Field(
        default=None, description="Kafka bootstrap servers; unset: run the embedded broker."
    )
    broker_port: int | None = Field(
        default=None, ge=1, le=65535, description="Port of the embedded broker; default: a free one."
    )
    topic_prefix: str = Field(
        default="", pattern=r"^[a-z0-9._-]*$", description="Namespace for every topic and consumer group."
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    session_secret: SecretStr | None = Field(
        default=None, description="Key that signs web sessions; default: generated in the data directory."
    )
    secure_cookies: bool = Field(default=False, description="Send session cookies over HTTPS only.")
    max_body_bytes: int = Field(default=5 * 1024 * 1024, gt=0)
    max_batch_events: int = Field(default=1000, gt=0)
    produce_timeout_s: float = Field(default=10.0, gt=0)
    decision_relay_interval_s: float = Field(
        default=5.0, gt=0, description="How often stored decisions not yet on the broker are produced again."
    )
    partitions_inbound: int = Field(default=4, gt=0)
    partitions_events: int = Field(default=8, gt=0)
    partitions_escalations: int = Field(default=4, gt=0)
    partitions_decisions: int = Field(default=4, gt=0)
    partitions_deadletter: int = Field(default=2, gt=0)
    rules_dir: Path | None = Field(
        default=None, description="A directory of rule files; default: the shipped pack."
    )
    connectors_dir: Path | None = Field(
        default=None,
        description="Connector files: `wijkbrug up` runs them; the gateway serves their ZGW callbacks.",
    )
    processors: int = Field(default=1, ge=1, le=64, description="Processor workers that `wijkbrug up` runs.")
    connector_check_processes: int = Field(
        default=1,
        ge=0,
        le=64,
        description="Worker processes per connector that check large batches (0: in the connector's own).",
    )
    connector_check_min_batch: int = Field(
        default=1000, ge=1, description="Batches of at least this many events go to the check processes."
    )
    state_store: Literal["memory", "rocksdb"] = Field(
        default="memory", description="Where the processor keeps rule state (rocksdb in production)."
    )
    rules_allowed_lateness_days: int = Field(
        default=90, ge=0, description="Events older than this behind a subject's newest are ignored by rules."
    )
    sla_acknowledge_hours_high: float = Field(
        default=24, gt=0, description="Hours the taskforce has to acknowledge a high-severity escalation."
    )
    sla_acknowledge_hours_medium: float = Field(default=72, gt=0)
    sla_acknowledge_hours_low: float = Field(default=168, gt=0)
    sla_decision_days_high: float = Field(
        default=7, gt=0, description="Days from acknowledgement to a decision on a high-severity escalation."
    )
    sla_decision_days_medium: float = Field(default=21, gt=0)
    sla_decision_days_low: float = Field(
        default=42, gt=0, description="Six weeks, the Wmo 2015 term for the inquiry after a report."
    )
    trace_url: str | None = Field(
        default=None,
        description="The tracing UI's page of a trace, with `{trace_id}` (Jaeger: .../trace/{trace_id}).",
    )
    live_poll_interval_s: float = Field(
        default=1.0, gt=0, le=60, description="How often the dashboard's live queue looks for changes."
    )
    heartbeat_interval_s: float = Field(default=2.0, gt=0)
    heartbeat_stale_s: float = Field(default=15.0, gt=0)
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = Field(
        default="text", description="`json`: one JSON object per line with trace ids, for log shippers."
    )
    environment: Literal["development", "production"] = Field(
        default="development",
        description="`production` refuses placeholder secrets, SQLite, an embedded broker and plaintext.",
    )
    startup_timeout_s: float = Field(
        default=120.0, ge=0, description="How long a service waits for its database and broker at start."
    )

    @field_validator("data_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @field_validator("rules_dir")
    @classmethod
    def _absolute_rules(cls, value: Path | None) -> Path | None:
        return value.expanduser().resolve() if value is not None else None

    def sqlalchemy_url(self) -> str:
        """The database URL, SQLite in the data directory unless `WIJKBRUG_DATABASE_URL` is set."""
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        return f"sqlite:///{self.data_dir / 'wijkbrug.db'}"

    @property
    def run_dir(self) -> Path:
        """Where a running deployment publishes its runtime facts (embedded broker address, pids)."""
        return self.data_dir / "run"

    def with_overrides(self, **overrides: Any) -> Settings:
        """A copy with the given fields replaced (flags win over the environment)."""
        values = {key: value for key, value in overrides.items() if value is not None}
        return self.model_validate({**self.model_dump(), **values})
