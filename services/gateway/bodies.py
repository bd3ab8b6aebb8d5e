"""Reading an ingest request: size limits, content types and the CloudEvents HTTP binding.

Structured mode (`application/cloudevents+json`), batched mode (`application/cloudevents-batch+json`) and
plain `application/json` (an object or an array) are parsed here; binary mode (attributes in `ce-*`
headers) goes through the CloudEvents SDK's HTTP binding.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cloudevents.core.bindings.http import HTTPMessage, from_binary
from cloudevents.core.formats.json import JSONFormat

from schemas.privacy import redact_text
from schemas.timestamps import format_rfc3339
from services.errors import BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError

STRUCTURED = "application/cloudevents+json"
BATCH = "application/cloudevents-batch+json"
PLAIN = "application/json"
ACCEPTED_TYPES = (STRUCTURED, BATCH, PLAIN)


class MalformedBodyError(BadRequestError):
    """A body that is not the JSON the content type promises."""

    code = "malformed"


class BodyTooLargeError(PayloadTooLargeError):
    """A body or batch over the limits."""

    code = "too_large"


class UnsupportedContentTypeError(UnsupportedMediaTypeError):
    """A content type that the ingest endpoint does not take."""

    code = "unsupported_content_type"


@dataclass(frozen=True)
class ParsedBody:
    """The events of one request, and whether the request was a batch."""

    events: list[Any]
    batch: bool


async def read_limited(chunks: AsyncIterator[bytes], content_length: str | None, limit: int) -> bytes:
    """Read the body, refusing it as soon as it passes `limit` bytes."""
    if content_length is not None and content_length.isdigit() and int(content_length) > limit:
        raise BodyTooLargeError(f"the body has {int(content_length)} bytes; the limit is {limit}")
    received = bytearray()
    async for chunk in chunks:
        received.extend(chunk)
        if len(received) > limit:
            raise BodyTooLargeError(f"the body is larger than the limit of {limit} bytes")
    return bytes(received)


def parse_body(headers: Mapping[str, str], body: bytes, max_events: int) -> ParsedBody:
    """The events in a request body, by its content type."""
    media_type = (headers.get("content-type") or "").split(";", 1)[0].strip().lower()
    # The HTTP binding decides the mode by content type: a CloudEvents media type is structured (or
    # batched) mode even when a client also sends ce-* headers; anything else with ce-* headers is binary.
    if media_type not in (STRUCTURED, BATCH) and any(name.lower().startswith("ce-") for name in headers):
        return ParsedBody(events=[_binary_event(headers, body)], batch=False)
    if media_type not in ACCEPTED_TYPES:
        raise UnsupportedContentTypeError(
            f"content type {media_type or '(none)'!r} is not accepted; send {', '.join(ACCEPTED_TYPES)}"
        )
    document = _json(body)
    if media_type == STRUCTURED:
        if not isinstance(document, dict):
            raise MalformedBodyError(
                f"{STRUCTURED} carries one event as a JSON object; send a batch as {BATCH}"
            )
        return ParsedBody(events=[document], batch=False)
    if media_type == BATCH and not isinstance(document, list):
        raise MalformedBodyError(f"{BATCH} carries a JSON array of events")
    if isinstance(document, dict):
        return ParsedBody(events=[document], batch=False)
    if not isinstance(document, list):
        raise MalformedBodyError("the body must be a JSON object (one event) or array (a batch)")
    if not document:
        raise MalformedBodyError("the batch holds no events")
    if len(document) > max_events:
        raise BodyTooLargeError(f"the batch holds {len(document)} events; the limit is {max_events}")
    return ParsedBody(events=document, batch=True)


def _json(body: bytes) -> Any:
    if not body.strip():
        raise MalformedBodyError("the body is empty")
    try:
        return json.loads(body)
    except UnicodeDecodeError as exc:
        raise MalformedBodyError("the body is not UTF-8 text") from exc
    except json.JSONDecodeError as exc:
        raise MalformedBodyError(
            f"the body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from exc


def _binary_event(headers: Mapping[str, str], body: bytes) -> dict[str, Any]:
    """An event sent in binary mode, as the same dict a structured event would be."""
    lowered = {name.lower(): value for name, value in headers.items()}
    try:
        event = from_binary(HTTPMessage(headers=lowered, body=body), JSONFormat())
    except Exception as exc:
        raise MalformedBodyError(f"not a valid binary-mode CloudEvent: {_sdk_message(exc)}") from exc
    # The SDK fills in attributes that the headers left out (a random id, the current time, specversion
    # 1.0); the contract requires them from the sender, so keep only what the request actually carried.
    sent = {name[3:] for name in lowered if name.startswith("ce-")}
    document: dict[str, Any] = {}
    for name, value in event.get_attributes().items():
        if name == "datacontenttype" and isinstance(value, str):
            if "content-type" in lowered:
                document[name] = _without_parameters(value)
            continue
        if name in sent:
            document[name] = format_rfc3339(value) if isinstance(value, datetime) else value
    data = event.get_data()
    if isinstance(data, bytes | bytearray):
        data = _json(bytes(data)) if data else None
    elif isinstance(data, str):
        data = _json(data.encode("utf-8"))
    if data is not None:
        document["data"] = data
    return document


def _without_parameters(content_type: str) -> str:
    """`application/json` for `application/json; charset=utf-8`: the contract's datacontenttype."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type if media_type == PLAIN else content_type


def _sdk_message(error: Exception) -> str:
    # Keep the SDK's explanation but never more than a line of it.
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return redact_text(text[:200])
