"""Health: heartbeats of the background components and the readiness that /healthz reports."""
