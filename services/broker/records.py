"""Kafka records as wijkbrug writes them: CloudEvents structured mode, JSON, with a traceparent header."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

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
    """Compact, deterministic JSON bytes: keys sorted, UTF-8, no spaces.

    Byte for byte what ``json.dumps(document, separators=(",", ":"), sort_keys=True, ensure_ascii=False)``
    writes (the ingest journal's content hashes are taken over this text, so it must never change), but
    written by orjson, several times faster. orjson differs from the standard library only for integers
    beyond 64 bits and non-string keys (it refuses them) and for floats below 1e-4 (it writes 0.00001
    where Python writes 1e-05); those documents go to the standard library. NaN and infinities, which no
    valid event carries, come out as null.
    """
    try:
        text = orjson.dumps(document, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return _standard_dumps(document)
    if b"e-" in text or b"0.0000" in text:
        return _standard_dumps(document)
    return text


def _standard_dumps(document: Any) -> bytes:
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
