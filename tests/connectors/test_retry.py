"""Backoff: exponential with full jitter, capped, and a server's Retry-After wins."""

from __future__ import annotations

import random

from connectors.config import Retry
from connectors.retry import Backoff


def test_delays_grow_exponentially_within_the_cap_and_reset() -> None:
    backoff = Backoff(Retry(initial_s=1.0, max_s=8.0), rng=random.Random(7))
    ceilings = [1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    delays = [backoff.next_delay() for _ in ceilings]
    assert all(0 <= delay <= ceiling for delay, ceiling in zip(delays, ceilings, strict=True))
    assert backoff.failures == len(ceilings)
    backoff.reset()
    assert backoff.failures == 0 and backoff.next_delay() <= 1.0


def test_jitter_spreads_the_delays() -> None:
    backoff = Backoff(Retry(initial_s=10.0, max_s=10.0), rng=random.Random(1))
    assert len({round(backoff.next_delay(), 6) for _ in range(20)}) == 20


def test_retry_after_wins_but_is_capped() -> None:
    backoff = Backoff(Retry(initial_s=0.1, max_s=30.0))
    assert backoff.next_delay(retry_after_s=12.0) == 12.0
    assert backoff.next_delay(retry_after_s=3600.0) == 30.0
