"""Reading typed values from export cells: whole numbers, amounts, dates and event times.

Each reader takes a cell (a CSV string, or a JSON value of a JSON Lines record) and returns the value
for the event, or raises `BadValue` with the reason code that the dead-letter record carries. Times
and dates repeat a lot within one export, so their readers keep a bounded cache of what they parsed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from schemas.timestamps import format_rfc3339

ISO = "iso"
CACHE_SIZE = 8192


class BadValue(Exception):
    """A cell that cannot be read as the configured type."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def read_int(value: Any) -> int:
    """A whole number: an int, or a text of digits (surrounding spaces allowed)."""
    if isinstance(value, bool):
        raise BadValue("invalid_number", "is a boolean, not a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if text.lstrip("+-").isdigit() and text.isascii():
            return int(text)
    raise BadValue("invalid_number", "is not a whole number")


def number_reader(decimal: str) -> Callable[[Any], float]:
    """A reader of finite decimal numbers; with `decimal` "," a text like "1.234,56" reads as 1234.56."""

    def read(value: Any) -> float:
        if isinstance(value, bool):
            raise BadValue("invalid_number", "is a boolean, not a number")
        if isinstance(value, int | float):
            number = float(value)
        elif isinstance(value, str):
            text = value.strip()
            if decimal == ",":
                text = text.replace(".", "").replace(",", ".")
            try:
                number = float(text)
            except ValueError:
                raise BadValue("invalid_number", "is not a number") from None
            if not text.replace(".", "", 1).lstrip("+-").isdigit():
                raise BadValue("invalid_number", "is not a plain decimal number")
        else:
            raise BadValue("invalid_number", "is not a number")
        if not math.isfinite(number):
            raise BadValue("invalid_number", "is not a finite number")
        return number

    return read


def date_reader(fmt: str | None) -> Callable[[Any], str]:
    """A reader of calendar dates (ISO `YYYY-MM-DD`, or a strptime format); returns `YYYY-MM-DD`."""

    @lru_cache(maxsize=CACHE_SIZE)
    def parse(text: str) -> str:
        try:
            if fmt is None or fmt == ISO:
                return date.fromisoformat(text[:10] if "T" in text else text).isoformat()
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            expected = "YYYY-MM-DD" if fmt is None or fmt == ISO else fmt
            raise BadValue("invalid_date", f"is not a date in the form {expected}") from None

    def read(value: Any) -> str:
        if not isinstance(value, str):
            raise BadValue("invalid_date", "is not a date text")
        return parse(value.strip())

    return read


def time_reader(fmt: str, zone: str) -> Callable[[Any], str]:
    """A reader of event times: ISO 8601 or a strptime format; a naive time is local time in `zone`.

    Returns RFC 3339 in UTC (`...Z`). A format without a clock (`%d-%m-%Y`) means midnight local time.
    """
    tz = ZoneInfo(zone)

    @lru_cache(maxsize=CACHE_SIZE)
    def parse(text: str) -> str:
        try:
            moment = datetime.fromisoformat(text) if fmt == ISO else datetime.strptime(text, fmt)
        except ValueError:
            expected = "ISO 8601" if fmt == ISO else fmt
            raise BadValue("invalid_time", f"is not a time in the form {expected}") from None
        if moment.tzinfo is None or moment.utcoffset() is None:
            moment = moment.replace(tzinfo=tz)
        return format_rfc3339(moment)

    def read(value: Any) -> str:
        if not isinstance(value, str):
            raise BadValue("invalid_time", "is not a time text")
        return parse(value.strip())

    return read
