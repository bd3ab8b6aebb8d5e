"""Starting in any order: a service waits for its database and broker instead of crashing.

In a container stack the gateway may start before PostgreSQL accepts connections or before the Kafka
cluster has elected its controllers. Each service waits, with backoff and a log line per attempt, up to
`WIJKBRUG_STARTUP_TIMEOUT_S`, and only then gives up (the orchestrator restarts it).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from kafka.errors import KafkaError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from services.broker.admin import admin_client
from services.broker.errors import BrokerUnavailableError
from services.config import Settings
from services.db.engine import create_db_engine
from services.errors import UnavailableError

log = logging.getLogger(__name__)


class DependencyTimeoutError(UnavailableError):
    """A database or broker that did not answer within the startup timeout."""


def wait_until(
    what: str,
    attempt: Callable[[], None],
    timeout_s: float,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Call `attempt` until it returns without an UnavailableError; returns the number of attempts."""
    deadline = clock() + timeout_s
    delay, attempts = 0.5, 0
    while True:
        attempts += 1
        try:
            attempt()
            return attempts
        except UnavailableError as exc:
            remaining = deadline - clock()
            if remaining <= 0:
                raise DependencyTimeoutError(
                    f"{what} did not become available in {timeout_s:g} s: {exc}"
                ) from exc
            log.warning("waiting for %s (attempt %d): %s", what, attempts, exc)
            sleep(min(delay, remaining))
            delay = min(delay * 2, 5.0)


def database_ready(settings: Settings) -> Callable[[], None]:
    """An attempt that connects to the deployment's database and runs `SELECT 1`."""

    def attempt() -> None:
        engine = create_db_engine(settings.sqlalchemy_url())
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError as exc:
            raise UnavailableError(type(exc).__name__ + ": " + str(exc).splitlines()[0]) from exc
        finally:
            engine.dispose()

    return attempt


def broker_ready(bootstrap: str) -> Callable[[], None]:
    """An attempt that reaches the Kafka cluster and lists its topics."""

    def attempt() -> None:
        admin = admin_client(bootstrap, timeout_s=5.0)
        try:
            admin.list_topics()
        except KafkaError as exc:
            raise BrokerUnavailableError(str(exc)) from exc
        finally:
            admin.close()

    return attempt


def wait_for_dependencies(settings: Settings, *, broker: bool = True) -> None:
    """Wait for the configured database and (when configured) the Kafka cluster."""
    if settings.database_url is not None:
        wait_until("the database", database_ready(settings), settings.startup_timeout_s)
    if broker and settings.kafka_bootstrap:
        wait_until("the Kafka cluster", broker_ready(settings.kafka_bootstrap), settings.startup_timeout_s)
