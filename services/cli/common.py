"""What every command shares: the deployment options and turning domain errors into exit codes."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import click
from pydantic import ValidationError

from services.broker.replication import TopicReplication
from services.broker.security import KafkaSecurity
from services.config import Settings
from services.errors import WijkbrugError
from services.production import ProductionConfigError, check_production

P = ParamSpec("P")
T = TypeVar("T")


def deployment_option(function: Callable[P, T]) -> Callable[P, T]:
    """Add `--data-dir D` (default `WIJKBRUG_DATA_DIR`, else ./.wijkbrug)."""
    return click.option(
        "--data-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="The deployment's data directory (default: $WIJKBRUG_DATA_DIR or ./.wijkbrug).",
    )(function)


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment, with the given flags on top."""
    try:
        settings = Settings().with_overrides(**overrides)
        # The Kafka clients read these themselves; check them now, so a mistake is named at start.
        KafkaSecurity()
        TopicReplication()
    except ValidationError as exc:
        problems = "; ".join(
            f"WIJKBRUG_{'_'.join(str(part) for part in error['loc']).upper()}: {error['msg']}"
            if error["loc"]
            else str(error["msg"])
            for error in exc.errors()
        )
        raise click.ClickException(f"invalid configuration: {problems}") from exc
    try:
        check_production(settings)
    except ProductionConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    return settings


def domain_errors(function: Callable[P, T]) -> Callable[P, T]:
    """Report a WijkbrugError as a one-line message and exit status 1 (no traceback)."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return function(*args, **kwargs)
        except WijkbrugError as exc:
            raise click.ClickException(str(exc)) from exc

    return wrapper


def emit_json(document: Any) -> None:
    """Print one JSON document on stdout."""
    sys.stdout.write(json.dumps(document, ensure_ascii=False) + "\n")
