"""Waiting for a condition instead of sleeping."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def eventually(
    probe: Callable[[], T],
    *,
    until: Callable[[T], bool] = bool,
    timeout: float = 30.0,
    interval: float = 0.1,
    what: str = "condition",
) -> T:
    """Call `probe` until `until(result)` holds; the last result, or AssertionError after `timeout`."""
    deadline = time.monotonic() + timeout
    result = probe()
    while not until(result):
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not hold within {timeout:.0f} s; last: {result!r}")
        time.sleep(interval)
        result = probe()
    return result
