"""Connector configuration: one YAML file per connector, validated with errors naming file and field.

The common part is the same for every kind (`name`, `kind`, `org`, `pseudonymisation`, `sink`, `retry`);
each kind adds its own settings at the top level of the file, in its own model (`connectors.registry`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator

from connectors.errors import ConfigError

Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")]
C = TypeVar("C", bound="ConnectorConfig")
EnvName = Annotated[str, Field(pattern=r"^[A-Z_][A-Z0-9_]{0,127}$")]


class Pseudonymisation(BaseModel):
    """Where the key of the keyed HMAC is (an environment variable; the key itself is never in a file)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key_env: EnvName


class GatewayTarget(BaseModel):
    """A hub's gateway, for a connector that runs at the partner's side."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: Annotated[str, Field(pattern=r"^https?://")]
    token_env: EnvName

    def token(self, file: str) -> SecretStr:
        value = os.environ.get(self.token_env)
        if not value:
            raise ConfigError(
                file, "sink.gateway.token_env", f"environment variable {self.token_env} is not set"
            )
        return SecretStr(value)


class GatewaySink(BaseModel):
    """`sink: {gateway: {url, token_env}}`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    gateway: GatewayTarget


class Retry(BaseModel):
    """Exponential backoff with full jitter for transient failures."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    initial_s: Annotated[float, Field(gt=0, le=60)] = 0.5
    max_s: Annotated[float, Field(gt=0, le=3600)] = 60.0


class ConnectorConfig(BaseModel):
    """What every connector's file has."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Slug
    kind: str
    org: Slug
    pseudonymisation: Pseudonymisation | None = None
    sink: Literal["hub"] | GatewaySink = "hub"
    retry: Retry = Retry()

    @model_validator(mode="before")
    @classmethod
    def _sink_default(cls, value: Any) -> Any:
        if isinstance(value, dict) and value.get("sink") is None:
            return {**value, "sink": "hub"}
        return value


def read_document(path: Path) -> dict[str, Any]:
    """The YAML mapping in `path`, or a ConfigError naming the file."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(name, "", f"cannot be read: {exc.strerror or exc}") from exc
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(name, "", f"is not valid YAML: {exc}") from exc
    if not isinstance(document, dict):
        raise ConfigError(name, "", "must be a mapping with name, kind, org and the kind's settings")
    return document


def validate_config(model: type[C], document: dict[str, Any], file: str) -> C:
    """`document` as `model`, or a ConfigError naming the file and the (first) field."""
    try:
        return model.model_validate(document)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        fields = [".".join(str(part) for part in error["loc"]) or "(file)" for error in errors]
        message = "; ".join(f"{field}: {error['msg']}" for field, error in zip(fields, errors, strict=True))
        raise ConfigError(file, fields[0], message) from exc
