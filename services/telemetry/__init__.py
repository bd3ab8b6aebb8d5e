"""Observability: OpenTelemetry tracing and structured logging."""
