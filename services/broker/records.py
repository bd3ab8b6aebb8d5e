"""Kafka records as wijkbrug writes them: CloudEvents structured mode, JSON, with a traceparent header."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

CONTENT_TYPE_HEADER = "content-type"
CLOUDEVENTS_JSON = b"application/cloudevents+json"
TRACEPARENT_HEADER = "traceparent"


@dataclass(frozen=True)
class OutboundRecord:
    """A record to produce."""

    topic: str
    key: bytes | None
    value: bytes
    headers: Sequence[tuple[str, bytes]] = field(default_factory=tuple)


def dumps(document: Any) -> bytes:
    """Compact, deterministic JSON bytes."""
    return json.dumps(document, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode("utf-8")


def header(headers: Sequence[tuple[str, bytes]] | None, name: str) -> str | None:
    """The value of a record header as text, or None; header names compare case-insensitively."""
    wanted = name.lower()
    for key, value in headers or ():
        if key.lower() == wanted:
            try:
                return value.decode("utf-8")
            except UnicodeDecodeError:
                return None
    return None
