"""What `WIJKBRUG_ENVIRONMENT=production` demands: real secrets, PostgreSQL over TLS, Kafka over TLS.

A placeholder copied from an example file, or a connection that would send residents' pseudonyms and the
taskforce's sessions in plaintext, stops the process at start with every problem named at once.
"""

from __future__ import annotations

from pydantic import ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from services.broker.security import KafkaSecurity
from services.config import Settings
from services.errors import InvalidInputError

PLACEHOLDER_MARKERS = (
    "changeme",
    "change-me",
    "change_me",
    "placeholder",
    "example",
    "replace",
    "todo",
    "xxx",
)
TLS_SSLMODES = frozenset({"require", "verify-ca", "verify-full"})
MIN_SESSION_SECRET_CHARS = 32


class ProductionConfigError(InvalidInputError):
    """A production deployment configured with placeholders or without TLS."""


def looks_like_placeholder(value: str) -> bool:
    """Whether a secret is one of the usual stand-ins rather than a generated value."""
    lowered = value.lower()
    return any(marker in lowered for marker in PLACEHOLDER_MARKERS) or len(set(lowered)) < 6


def production_problems(settings: Settings) -> list[str]:
    """Everything that makes `settings` unfit for production (empty: fit)."""
    problems: list[str] = []
    secret = settings.session_secret.get_secret_value() if settings.session_secret is not None else ""
    if not secret:
        problems.append("WIJKBRUG_SESSION_SECRET is not set (every instance must share one key)")
    elif len(secret) < MIN_SESSION_SECRET_CHARS or looks_like_placeholder(secret):
        problems.append(
            "WIJKBRUG_SESSION_SECRET looks like a placeholder "
            f"(use {MIN_SESSION_SECRET_CHARS}+ random characters)"
        )
    if not settings.secure_cookies:
        problems.append("WIJKBRUG_SECURE_COOKIES must be true (sessions only over HTTPS)")
    problems += _database_problems(settings)
    problems += _kafka_problems(settings)
    return problems


def check_production(settings: Settings) -> None:
    """Raise ProductionConfigError naming every problem, when the environment is production."""
    if settings.environment != "production":
        return
    problems = production_problems(settings)
    if problems:
        raise ProductionConfigError("not fit for production: " + "; ".join(problems))


def _database_problems(settings: Settings) -> list[str]:
    if settings.database_url is None:
        return ["WIJKBRUG_DATABASE_URL is not set (production runs on PostgreSQL, not SQLite)"]
    try:
        url = make_url(settings.database_url.get_secret_value())
    except ArgumentError:
        return ["WIJKBRUG_DATABASE_URL is not a database URL"]
    if not url.drivername.startswith("postgresql"):
        return [f"WIJKBRUG_DATABASE_URL uses {url.drivername}; production runs on PostgreSQL"]
    problems: list[str] = []
    if url.password is not None and looks_like_placeholder(str(url.password)):
        problems.append("the password in WIJKBRUG_DATABASE_URL looks like a placeholder")
    sslmode = url.query.get("sslmode")
    if sslmode not in TLS_SSLMODES:
        problems.append(
            "WIJKBRUG_DATABASE_URL must ask for TLS (?sslmode=verify-full, verify-ca or require), "
            f"not {sslmode or 'the default'}"
        )
    return problems


def _kafka_problems(settings: Settings) -> list[str]:
    if not settings.kafka_bootstrap:
        return [
            "WIJKBRUG_KAFKA_BOOTSTRAP is not set (production uses a Kafka cluster, not the embedded broker)"
        ]
    try:
        security = KafkaSecurity()
    except ValidationError as exc:
        return [str(error["msg"]) for error in exc.errors()]
    problems: list[str] = []
    if not security.encrypted:
        problems.append(
            f"WIJKBRUG_KAFKA_SECURITY_PROTOCOL is {security.security_protocol}; "
            "production needs SSL or SASL_SSL"
        )
    password = security.sasl_password.get_secret_value() if security.sasl_password is not None else None
    if password is not None and looks_like_placeholder(password):
        problems.append("WIJKBRUG_KAFKA_SASL_PASSWORD looks like a placeholder")
    return problems
