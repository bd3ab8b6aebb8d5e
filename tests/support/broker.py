"""The session's broker: the embedded one, or a real cluster named by WIJKBRUG_TEST_KAFKA_BOOTSTRAP."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from services.broker.embedded import EmbeddedBroker


@contextmanager
def session_broker(workdir: Path) -> Iterator[str]:
    external = os.environ.get("WIJKBRUG_TEST_KAFKA_BOOTSTRAP")
    if external:
        yield external
        return
    broker = EmbeddedBroker(log_file=workdir / "broker.log")
    bootstrap = broker.start()
    try:
        yield bootstrap
    finally:
        broker.stop()
