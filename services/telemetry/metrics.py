"""OpenTelemetry metrics: what operators watch (events, lag, escalations, connectors, dead letters).

Configured like the traces, by the standard variables: `OTEL_METRICS_EXPORTER=otlp` (OTLP/HTTP to
`OTEL_EXPORTER_OTLP_ENDPOINT`, every `OTEL_METRIC_EXPORT_INTERVAL` ms), `console`, or `none` (default).
The instruments come from the global meter provider's proxy, so a module may take them before the process
has installed its provider. The names, as Prometheus shows them through the collector:

| instrument | Prometheus | attributes |
|---|---|---|
| wijkbrug.events.received | wijkbrug_events_received_total | org |
| wijkbrug.events.accepted | wijkbrug_events_accepted_total | org |
| wijkbrug.events.rejected | wijkbrug_events_rejected_total | org, reason |
| wijkbrug.consumer.lag | wijkbrug_consumer_lag | group, topic, partition (router, escalation service) |
| wijkbrug.rules.lag | wijkbrug_rules_lag | topic, partition (the rule engine on buurt.events) |
| wijkbrug.escalations.opened | wijkbrug_escalations_opened_total | rule |
| wijkbrug.escalations.updated | wijkbrug_escalations_updated_total | rule |
| wijkbrug.deadletter.records | wijkbrug_deadletter_records_total | stage, reason |
| wijkbrug.connector.records | wijkbrug_connector_records_total | connector, outcome |
| wijkbrug.connector.up | wijkbrug_connector_up | connector, state |
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from opentelemetry import metrics
from opentelemetry.metrics import CallbackOptions, Counter, Observation
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import (
    ConsoleMetricExporter,
    MetricReader,
    PeriodicExportingMetricReader,
)

from services.errors import InvalidInputError
from services.telemetry.otel_env import exporter_names, sdk_disabled, service_resource

METER_NAME = "wijkbrug"

LAG_GAUGE = "wijkbrug.consumer.lag"
LAG_GAUGE_RULES = "wijkbrug.rules.lag"
LAG_DESCRIPTION = "Records on the partition not yet processed (from the last committed offset)"

Gauge = Callable[[], Iterable[tuple[float, dict[str, str]]]]


class MetricsConfigError(InvalidInputError):
    """An OTEL_METRICS_EXPORTER value that wijkbrug does not support."""


@dataclass(frozen=True)
class Instruments:
    """The counters; gauges are registered with `observe`."""

    events_received: Counter
    events_accepted: Counter
    events_rejected: Counter
    escalations_opened: Counter
    escalations_updated: Counter
    deadletter_records: Counter
    connector_records: Counter


def configure_metrics(service_name: str, extra_readers: Sequence[MetricReader] = ()) -> MeterProvider | None:
    """Install the process's meter provider from `OTEL_*`; None when `OTEL_SDK_DISABLED` is true."""
    if sdk_disabled():
        return None
    readers = [*readers_from_env(), *extra_readers]
    provider = MeterProvider(resource=service_resource(service_name), metric_readers=readers)
    metrics.set_meter_provider(provider)
    return provider


def readers_from_env() -> list[MetricReader]:
    readers: list[MetricReader] = []
    for name in exporter_names("OTEL_METRICS_EXPORTER"):
        if name == "console":
            readers.append(PeriodicExportingMetricReader(ConsoleMetricExporter()))
        elif name == "otlp":
            from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter

            readers.append(PeriodicExportingMetricReader(OTLPMetricExporter()))
        else:
            raise MetricsConfigError(f"OTEL_METRICS_EXPORTER={name!r} is not supported (none, console, otlp)")
    return readers


@functools.cache
def instruments() -> Instruments:
    """wijkbrug's counters (proxies until the process installs its provider)."""
    return build_instruments(metrics.get_meter(METER_NAME))


def build_instruments(meter: metrics.Meter) -> Instruments:
    """The counters on `meter`."""
    return Instruments(
        events_received=meter.create_counter(
            "wijkbrug.events.received", description="Events partners sent to the gateway"
        ),
        events_accepted=meter.create_counter(
            "wijkbrug.events.accepted", description="Events acknowledged with 202 (on the broker)"
        ),
        events_rejected=meter.create_counter(
            "wijkbrug.events.rejected", description="Events refused, by the error code of the answer"
        ),
        escalations_opened=meter.create_counter(
            "wijkbrug.escalations.opened", description="New escalations stored"
        ),
        escalations_updated=meter.create_counter(
            "wijkbrug.escalations.updated", description="Open escalations that got new evidence"
        ),
        deadletter_records=meter.create_counter(
            "wijkbrug.deadletter.records", description="Records set aside on wijkbrug.deadletter"
        ),
        connector_records=meter.create_counter(
            "wijkbrug.connector.records", description="Connector records: emitted, dead_lettered, retried"
        ),
    )


def observe(name: str, description: str, gauge: Gauge) -> None:
    """Register an observable gauge whose values `gauge` yields at every collection."""

    def callback(options: CallbackOptions) -> Iterable[Observation]:
        return [Observation(value, attributes) for value, attributes in gauge()]

    metrics.get_meter(METER_NAME).create_observable_gauge(name, callbacks=[callback], description=description)
