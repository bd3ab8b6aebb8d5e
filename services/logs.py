"""Logging for wijkbrug processes: one line per record on stderr, as text or as JSON with trace ids.

`WIJKBRUG_LOG_FORMAT=json` writes one JSON object per line (python-json-logger) with the OpenTelemetry
`trace_id` and `span_id` of the span current when the record was made, so a log shipper (Loki, Elastic) can
join the lines of one event across gateway, processor and sink to its trace in Jaeger.
"""

from __future__ import annotations

import logging
import sys

from opentelemetry import trace
from pythonjsonlogger.json import JsonFormatter

FORMAT = "%(asctime)s %(levelname)s %(name)s [%(process)d] %(message)s"
JSON_FIELDS = ("levelname", "name", "process", "message")
NOISY = ("kafka", "aiokafka", "faust", "mode", "uvicorn.access", "httpx", "alembic")


class TraceContextFilter(logging.Filter):
    """Adds `trace_id` and `span_id` (hex, empty outside a span) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = trace.get_current_span().get_span_context()
        record.trace_id = f"{context.trace_id:032x}" if context.is_valid else ""
        record.span_id = f"{context.span_id:016x}" if context.is_valid else ""
        return True


def json_formatter() -> logging.Formatter:
    """One JSON object per record: time (ISO 8601, UTC), level, logger, pid, message, trace ids, extras."""
    return JsonFormatter(
        [*JSON_FIELDS, "trace_id", "span_id"],
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp="time",
    )


def configure_logging(level: str = "INFO", log_format: str = "text") -> None:
    """Log to stderr at `level`, as `text` or `json` lines; quieter for chatty libraries."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(TraceContextFilter())
    handler.setFormatter(json_formatter() if log_format == "json" else logging.Formatter(FORMAT))
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
    for noisy in NOISY:
        logging.getLogger(noisy).setLevel(logging.WARNING)
