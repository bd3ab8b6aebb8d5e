"""Log lines: text by default, JSON with the current trace and span ids for log shippers."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace import TracerProvider

from services.logs import configure_logging


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_json_lines_carry_the_trace_of_the_current_span(
    restore_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("INFO", "json")
    tracer = TracerProvider().get_tracer("test")
    with tracer.start_as_current_span("handle event") as span:
        logging.getLogger("wijkbrug.test").warning("rejected %s", "evt-1", extra={"org": "woco"})
    logging.getLogger("wijkbrug.test").info("outside")
    inside, outside = (json.loads(line) for line in capsys.readouterr().err.splitlines())
    context = span.get_span_context()
    assert inside["trace_id"] == f"{context.trace_id:032x}"
    assert inside["span_id"] == f"{context.span_id:016x}"
    assert (inside["level"], inside["logger"], inside["message"], inside["org"]) == (
        "WARNING",
        "wijkbrug.test",
        "rejected evt-1",
        "woco",
    )
    assert inside["time"].endswith("+00:00")
    assert outside["trace_id"] == "" and outside["message"] == "outside"


def test_text_is_the_default(restore_logging: None, capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO")
    logging.getLogger("wijkbrug.test").info("plain")
    line = capsys.readouterr().err.strip()
    assert line.endswith(f"INFO wijkbrug.test [{os.getpid()}] plain")
