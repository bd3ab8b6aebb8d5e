"""The metrics: names the Grafana dashboard uses exist, exporters are chosen by OTEL_METRICS_EXPORTER."""

from __future__ import annotations

import json
import re
from dataclasses import fields
from pathlib import Path

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader, NumberDataPoint

from services.telemetry.metrics import (
    LAG_GAUGE,
    LAG_GAUGE_RULES,
    MetricsConfigError,
    build_instruments,
    readers_from_env,
)

DASHBOARD = Path(__file__).resolve().parents[3] / "deploy" / "grafana" / "dashboards" / "wijkbrug.json"


GAUGES = (LAG_GAUGE, LAG_GAUGE_RULES, "wijkbrug.connector.up")


def exported_names() -> set[str]:
    """The Prometheus names of every wijkbrug instrument, as the collector exports them."""
    reader = InMemoryMetricReader()
    meter = MeterProvider(metric_readers=[reader]).get_meter("wijkbrug")
    counters = build_instruments(meter)
    for field in fields(counters):
        getattr(counters, field.name).add(1, {"org": "woco"})
    data = reader.get_metrics_data()
    assert data is not None
    names = {m.name for rm in data.resource_metrics for sm in rm.scope_metrics for m in sm.metrics}
    return {name.replace(".", "_") + "_total" for name in names} | {g.replace(".", "_") for g in GAUGES}


def test_every_metric_of_the_grafana_dashboard_exists() -> None:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    expressions = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    used = {name for expression in expressions for name in re.findall(r"wijkbrug_[a-z_]+", expression)}
    assert used, "the dashboard queries no wijkbrug metric"
    assert used <= exported_names()
    assert len(dashboard["panels"]) == len({panel["id"] for panel in dashboard["panels"]})


def test_the_counters_record_with_their_attributes() -> None:
    reader = InMemoryMetricReader()
    counters = build_instruments(MeterProvider(metric_readers=[reader]).get_meter("wijkbrug"))
    counters.events_rejected.add(3, {"org": "woco", "reason": "invalid_events"})
    counters.events_rejected.add(2, {"org": "woco", "reason": "invalid_events"})
    data = reader.get_metrics_data()
    assert data is not None
    (metric,) = [m for rm in data.resource_metrics for sm in rm.scope_metrics for m in sm.metrics]
    (point,) = metric.data.data_points
    assert isinstance(point, NumberDataPoint)
    assert (metric.name, point.value, dict(point.attributes or {})) == (
        "wijkbrug.events.rejected",
        5,
        {"org": "woco", "reason": "invalid_events"},
    )


def test_exporters_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_METRICS_EXPORTER", "none")
    assert readers_from_env() == []
    monkeypatch.setenv("OTEL_METRICS_EXPORTER", "prometheus")
    with pytest.raises(MetricsConfigError, match="prometheus"):
        readers_from_env()
