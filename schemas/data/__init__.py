"""Typed ``data`` payloads of the catalogue v1 event types, one module per domain."""
