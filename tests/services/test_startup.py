"""Services wait for their database and broker at start instead of crashing."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from pydantic import SecretStr

from services.broker.errors import BrokerUnavailableError
from services.config import Settings
from services.errors import UnavailableError
from services.startup import DependencyTimeoutError, broker_ready, database_ready, wait_until


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_it_retries_with_backoff_until_the_dependency_answers(caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock()
    failures = iter([UnavailableError("connection refused")] * 4)

    def attempt() -> None:
        error = next(failures, None)
        if error is not None:
            raise error

    with caplog.at_level(logging.WARNING, "services.startup"):
        attempts = wait_until("the database", attempt, 60, clock=clock, sleep=clock.sleep)
    assert attempts == 5
    assert clock.sleeps == [0.5, 1.0, 2.0, 4.0]
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 4
    assert messages[0] == "waiting for the database (attempt 1): connection refused"


def test_it_gives_up_after_the_timeout_naming_the_dependency() -> None:
    clock = FakeClock()

    def attempt() -> None:
        raise BrokerUnavailableError("no route to host")

    with pytest.raises(DependencyTimeoutError, match="the Kafka cluster did not become available in 10 s"):
        wait_until("the Kafka cluster", attempt, 10, clock=clock, sleep=clock.sleep)
    assert sum(clock.sleeps) == 10


def test_database_ready_fails_on_an_unreachable_server_and_passes_on_sqlite(tmp_path: Path) -> None:
    down = Settings(
        data_dir=tmp_path, database_url=SecretStr("postgresql+psycopg://postgres@127.0.0.1:9/none")
    )
    with pytest.raises(UnavailableError, match="OperationalError"):
        database_ready(down)()
    database_ready(Settings(data_dir=tmp_path))()


@pytest.mark.broker
def test_broker_ready_against_a_real_broker(broker_bootstrap: str) -> None:
    broker_ready(broker_bootstrap)()
    with pytest.raises(BrokerUnavailableError):
        broker_ready("127.0.0.1:9")()
