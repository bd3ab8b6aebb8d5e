"""Exponential backoff with full jitter (the AWS architecture blog's "full jitter")."""

from __future__ import annotations

import random

from connectors.config import Retry


class Backoff:
    """Delays for consecutive failures: uniform in [0, min(max, initial * 2^n)]."""

    def __init__(self, policy: Retry, *, rng: random.Random | None = None) -> None:
        self._policy = policy
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not security
        self.failures = 0

    def next_delay(self, retry_after_s: float | None = None) -> float:
        """The delay before the next attempt; a server's Retry-After wins (capped at the maximum)."""
        self.failures += 1
        if retry_after_s is not None:
            return min(max(retry_after_s, 0.0), self._policy.max_s)
        ceiling = min(self._policy.max_s, self._policy.initial_s * 2 ** (self.failures - 1))
        return self._rng.uniform(0, ceiling)

    def reset(self) -> None:
        self.failures = 0
