"""RFC 3339 timestamps: strict parsing (an offset is required) and canonical ``Z`` formatting."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import lru_cache
from typing import Annotated, Any

from pydantic import AwareDatetime, BeforeValidator, PlainSerializer
from pydantic_core import PydanticCustomError

FORMAT_CACHE_SIZE = 4096
PARSE_CACHE_SIZE = 4096

_RFC3339_RE = re.compile(
    r"^(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})[Tt](?P<clock>[0-9]{2}:[0-9]{2}:[0-9]{2})"
    r"(?:\.(?P<fraction>[0-9]+))?(?P<offset>[Zz]|[+-][0-9]{2}:[0-9]{2})?$"
)


def _check_rfc3339(value: Any) -> Any:
    """Accept aware datetimes and RFC 3339 strings with an offset; fractions are cut to microseconds."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise PydanticCustomError("timezone_aware", "must include a UTC offset (Z or +hh:mm)")
        return value
    if not isinstance(value, str):
        raise PydanticCustomError("rfc3339_type", "must be an RFC 3339 string")
    return _parse_rfc3339(value)


@lru_cache(maxsize=PARSE_CACHE_SIZE)
def _parse_rfc3339(value: str) -> datetime:
    """The aware datetime of an RFC 3339 text, with a fixed-offset `datetime.timezone` (cheap to compare,
    hash and format, unlike a parser's own tzinfo), cached: event times repeat, in an export above all."""
    match = _RFC3339_RE.fullmatch(value)
    if match is None:
        raise PydanticCustomError(
            "rfc3339_format", "must be RFC 3339, e.g. 2025-01-01T12:00:00Z or 2025-01-01T13:00:00+01:00"
        )
    if match.group("offset") is None:
        raise PydanticCustomError("timezone_aware", "must include a UTC offset (Z or +hh:mm)")
    fraction = match.group("fraction")
    fraction_part = f".{fraction[:6]:0<6}" if fraction else ""
    offset = match.group("offset").upper()
    text = (
        f"{match.group('date')}T{match.group('clock')}{fraction_part}{'+00:00' if offset == 'Z' else offset}"
    )
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise PydanticCustomError("rfc3339_value", "is not a valid date and time") from None


def format_rfc3339(value: datetime) -> str:
    """Format an aware datetime as RFC 3339 in UTC with ``Z``; sub-second precision is kept when present."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("cannot format a naive datetime as RFC 3339")
    return _format_aware(value)


@lru_cache(maxsize=FORMAT_CACHE_SIZE)
def _format_aware(value: datetime) -> str:
    """The formatting itself, cached: event times repeat (an export's rows share a few hundred dates),
    and aware datetimes that are equal are the same instant, so they share one UTC text."""
    utc = value.astimezone(UTC)
    micro = utc.microsecond
    precision = "seconds" if not micro else "milliseconds" if micro % 1000 == 0 else "microseconds"
    return utc.isoformat(timespec=precision).removesuffix("+00:00") + "Z"


Rfc3339Time = Annotated[
    AwareDatetime,
    BeforeValidator(_check_rfc3339),
    PlainSerializer(format_rfc3339, return_type=str, when_used="json"),
]
"""An aware datetime read from RFC 3339 (offset required) and written in canonical ``Z`` form in JSON."""
