"""The standard OpenTelemetry variables that traces and metrics read alike."""

from __future__ import annotations

import os

from opentelemetry.sdk.resources import Resource


def sdk_disabled() -> bool:
    """`OTEL_SDK_DISABLED=true`: no provider at all."""
    return os.environ.get("OTEL_SDK_DISABLED", "").lower() == "true"


def service_resource(service_name: str) -> Resource:
    """The process's resource: `OTEL_SERVICE_NAME`, else wijkbrug's name for the service."""
    return Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME", service_name)})


def exporter_names(variable: str) -> list[str]:
    """The exporters a comma-separated `OTEL_*_EXPORTER` variable names, without `none` (default: none)."""
    names = [name.strip() for name in os.environ.get(variable, "none").split(",")]
    return [name for name in names if name and name != "none"]
