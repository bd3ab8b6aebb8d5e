"""Durations in rule files: `90d`, `14d`, `36h`, `30m`, or ISO 8601 (`P90D`, `PT36H`)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

_SHORT = re.compile(r"^(\d+)\s*([dhm])$")
_ISO = re.compile(r"^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def parse_duration(value: Any) -> timedelta:
    """A positive duration from `90d`, `36h`, `30m`, `P90D` or `PT36H`; ValueError otherwise."""
    if isinstance(value, timedelta):
        duration = value
    elif isinstance(value, str):
        text = value.strip()
        short = _SHORT.match(text)
        iso = _ISO.match(text.upper()) if not short else None
        if short:
            duration = timedelta(**{_UNITS[short.group(2)]: int(short.group(1))})
        elif iso and any(iso.groups()):
            weeks, days, hours, minutes = (int(group) if group else 0 for group in iso.groups())
            duration = timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes)
        else:
            raise ValueError(f"{value!r} is not a duration; write e.g. 90d, 36h, 30m or P90D")
    else:
        raise ValueError("a duration is a text such as 90d, 36h or P90D")
    if duration <= timedelta(0):
        raise ValueError("a duration must be longer than zero")
    return duration


def format_duration(duration: timedelta) -> str:
    """The short form of a duration (`90d`, `36h`, `30m`)."""
    minutes = int(duration.total_seconds() // 60)
    if minutes % (24 * 60) == 0:
        return f"{minutes // (24 * 60)}d"
    if minutes % 60 == 0:
        return f"{minutes // 60}h"
    return f"{minutes}m"


Duration = Annotated[
    timedelta,
    BeforeValidator(parse_duration),
    PlainSerializer(format_duration, return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^(\d+\s*[dhm]|P(\d+W)?(\d+D)?(T(\d+H)?(\d+M)?)?)$",
            "description": "a duration: 90d, 36h, 30m, or ISO 8601 (P90D)",
        }
    ),
]
