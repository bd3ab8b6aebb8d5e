"""An OpenTelemetry collector stand-in: receives OTLP/HTTP traces and metrics from the hub's processes.

The spans and metric points of every process land in this test's memory, decoded from the same
protobuf messages a real collector receives, so a test sees one trace across processes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any

from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

from tests.support.http_server import HttpStandIn

KINDS = {1: "INTERNAL", 2: "SERVER", 3: "CLIENT", 4: "PRODUCER", 5: "CONSUMER"}


@dataclass(frozen=True)
class ReceivedSpan:
    """One span as exported."""

    service: str
    trace_id: str
    span_id: str
    parent_span_id: str
    name: str
    kind: str
    attributes: dict[str, Any]
    links: tuple[str, ...] = ()  # the trace ids this span links to


@dataclass(frozen=True)
class ReceivedPoint:
    """One data point of a sum or gauge metric, as exported (cumulative sums: the running total)."""

    service: str
    name: str
    attributes: dict[str, Any]
    value: float


def _value(value: AnyValue) -> Any:
    kind = value.WhichOneof("value")
    return getattr(value, kind) if kind else None


def _attributes(items: Any) -> dict[str, Any]:
    return {item.key: _value(item.value) for item in items}


def _service(attributes: list[KeyValue]) -> str:
    return str(_attributes(attributes).get("service.name", ""))


class OtlpReceiver(HttpStandIn):
    """`with OtlpReceiver() as otlp:` then `OTEL_EXPORTER_OTLP_ENDPOINT=otlp.url`."""

    label = "otlp receiver"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._spans: list[ReceivedSpan] = []
        self._points: list[ReceivedPoint] = []

    def spans(self) -> list[ReceivedSpan]:
        with self._lock:
            return list(self._spans)

    def points(self, name: str) -> list[ReceivedPoint]:
        with self._lock:
            return [point for point in self._points if point.name == name]

    def latest(self, name: str, **attributes: str) -> float | None:
        """The newest value of metric `name` with these attributes, summed over the services that sent it."""
        newest: dict[str, float] = {}
        for point in self.points(name):
            if all(point.attributes.get(key) == value for key, value in attributes.items()):
                key = f"{point.service}|{sorted(point.attributes.items())}"
                newest[key] = point.value
        return sum(newest.values()) if newest else None

    def _traces(self, body: bytes) -> bytes:
        request = ExportTraceServiceRequest.FromString(body)
        received = [
            ReceivedSpan(
                service=_service(list(resource.resource.attributes)),
                trace_id=span.trace_id.hex(),
                span_id=span.span_id.hex(),
                parent_span_id=span.parent_span_id.hex(),
                name=span.name,
                kind=KINDS.get(span.kind, str(span.kind)),
                attributes=_attributes(span.attributes),
                links=tuple(link.trace_id.hex() for link in span.links),
            )
            for resource in request.resource_spans
            for scope in resource.scope_spans
            for span in scope.spans
        ]
        with self._lock:
            self._spans.extend(received)
        return bytes(ExportTraceServiceResponse().SerializeToString())

    def _metrics(self, body: bytes) -> bytes:
        request = ExportMetricsServiceRequest.FromString(body)
        received: list[ReceivedPoint] = []
        for resource in request.resource_metrics:
            service = _service(list(resource.resource.attributes))
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    kind = metric.WhichOneof("data")
                    if kind not in {"sum", "gauge"}:
                        continue
                    for point in getattr(metric, kind).data_points:
                        number = point.as_double if point.WhichOneof("value") == "as_double" else point.as_int
                        received.append(
                            ReceivedPoint(service, metric.name, _attributes(point.attributes), float(number))
                        )
        with self._lock:
            self._points.extend(received)
        return bytes(ExportMetricsServiceResponse().SerializeToString())

    def handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if self.path == "/v1/traces":
                    answer = receiver._traces(body)
                elif self.path == "/v1/metrics":
                    answer = receiver._metrics(body)
                else:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:
                return

        return Handler
