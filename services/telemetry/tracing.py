"""OpenTelemetry tracing, configured by the standard `OTEL_*` variables (no exporter unless asked).

Every process installs an SDK tracer provider even without an exporter, so that spans get real ids and
the `traceparent` header on Kafka records links gateway, processor and sink into one trace.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.propagate import extract, inject
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter

from services.broker.records import TRACEPARENT_HEADER
from services.errors import InvalidInputError
from services.telemetry.otel_env import exporter_names, sdk_disabled, service_resource

TRACER_NAME = "wijkbrug"


class TracingConfigError(InvalidInputError):
    """An OTEL_TRACES_EXPORTER value that wijkbrug does not support."""


def configure_tracing(
    service_name: str, extra_exporters: Sequence[SpanExporter] = ()
) -> TracerProvider | None:
    """Install the process's tracer provider from `OTEL_*`; None when `OTEL_SDK_DISABLED` is true."""
    if sdk_disabled():
        return None
    provider = TracerProvider(resource=service_resource(service_name))
    for exporter in [*_exporters_from_env(), *extra_exporters]:
        provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    return provider


def _exporters_from_env() -> list[SpanExporter]:
    exporters: list[SpanExporter] = []
    for name in exporter_names("OTEL_TRACES_EXPORTER"):
        if name == "console":
            exporters.append(ConsoleSpanExporter())
        elif name == "otlp":
            protocol = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") or os.environ.get(
                "OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"
            )
            if protocol != "http/protobuf":
                raise TracingConfigError(
                    f"OTEL_EXPORTER_OTLP_PROTOCOL={protocol!r} is not supported; use http/protobuf"
                )
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            exporters.append(OTLPSpanExporter())
        else:
            raise TracingConfigError(f"OTEL_TRACES_EXPORTER={name!r} is not supported (none, console, otlp)")
    return exporters


@functools.cache
def tracer() -> trace.Tracer:
    """wijkbrug's tracer (a proxy until the process installs its provider, so caching it is safe)."""
    return trace.get_tracer(TRACER_NAME)


def record_headers(ctx: otel_context.Context | None = None) -> list[tuple[str, bytes]]:
    """Kafka record headers that carry the trace context (W3C traceparent)."""
    return [(key, value.encode("ascii")) for key, value in _carrier(ctx).items()]


def _carrier(ctx: otel_context.Context | None = None) -> dict[str, str]:
    """The propagation fields of `ctx` (default: the current context)."""
    carrier: dict[str, str] = {}
    inject(carrier, context=ctx)
    return carrier


def context_from_headers(headers: Sequence[tuple[str, bytes]] | None) -> otel_context.Context:
    """The trace context that a record's headers carry (empty context if none)."""
    carrier: dict[str, str] = {}
    for key, value in headers or ():
        if key.lower() in {TRACEPARENT_HEADER, "tracestate"}:
            try:
                carrier[key.lower()] = value.decode("ascii")
            except UnicodeDecodeError:
                continue
    return extract(carrier)


def current_traceparent() -> str | None:
    """The traceparent of the current span, or None."""
    return _carrier().get(TRACEPARENT_HEADER)


def traceparent_of(span: trace.Span) -> str | None:
    """The W3C traceparent of `span` (None for a span that is not recorded, as when tracing is off)."""
    return _carrier(trace.set_span_in_context(span)).get(TRACEPARENT_HEADER)


def span_context_from_traceparent(traceparent: str) -> trace.SpanContext | None:
    """The remote span context of a W3C traceparent value, or None if it is not valid."""
    span_context = trace.get_current_span(extract({TRACEPARENT_HEADER: traceparent})).get_span_context()
    return span_context if span_context.is_valid else None
