"""The connector kinds: the configuration model and the implementation of each, imported on demand."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from connectors.config import ConnectorConfig, read_document, validate_config
from connectors.errors import ConfigError


@dataclass(frozen=True)
class Kind:
    """Where a kind's configuration model and implementation live (`module:attribute`)."""

    config: str
    implementation: str
    #: How it runs: "source" (polled by `connector run`), "callback" (served by the gateway),
    #: "decisions" (consumes buurt.decisions).
    mode: str = "source"


KINDS: dict[str, Kind] = {
    "signalen": Kind(
        "connectors.kinds.signalen:SignalenConfig", "connectors.kinds.signalen:SignalenConnector"
    ),
    "file": Kind("connectors.kinds.file:FileConfig", "connectors.kinds.file:FileConnector"),
    "sql": Kind("connectors.kinds.sql:SqlConfig", "connectors.kinds.sql:SqlConnector"),
    "zgw-notificaties": Kind(
        "connectors.kinds.zgw:ZgwConfig", "connectors.kinds.zgw:ZgwReceiver", mode="callback"
    ),
    "webhook-out": Kind(
        "connectors.kinds.webhook_out:WebhookOutConfig",
        "connectors.kinds.webhook_out:WebhookOutConnector",
        mode="decisions",
    ),
}


def resolve(reference: str) -> Any:
    """The attribute that `module:attribute` names."""
    module, _, attribute = reference.partition(":")
    return getattr(importlib.import_module(module), attribute)


def kind_of(name: str, file: str) -> Kind:
    kind = KINDS.get(name)
    if kind is None:
        raise ConfigError(file, "kind", f"unknown connector kind {name!r}; known: {', '.join(sorted(KINDS))}")
    return kind


def load_config(path: Path) -> ConnectorConfig:
    """The validated configuration in `path` (its kind's model), or a ConfigError naming file and field."""
    file = str(path)
    document = read_document(path)
    kind_name = document.get("kind")
    if not isinstance(kind_name, str):
        raise ConfigError(file, "kind", "missing: one of " + ", ".join(sorted(KINDS)))
    model = resolve(kind_of(kind_name, file).config)
    config: ConnectorConfig = validate_config(model, document, file)
    return config


def load_directory(directory: Path) -> dict[Path, ConnectorConfig]:
    """Every `*.yaml`/`*.yml` in `directory`, validated; names must be unique."""
    if not directory.is_dir():
        raise ConfigError(str(directory), "", "is not a directory")
    configs: dict[Path, ConnectorConfig] = {}
    seen: dict[str, Path] = {}
    for path in sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")]):
        config = load_config(path)
        if config.name in seen:
            raise ConfigError(str(path), "name", f"{config.name!r} is also the name in {seen[config.name]}")
        seen[config.name] = path
        configs[path] = config
    return configs
