"""The organisations the router checks inbound records against, cached and refreshed from the directory."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from services.directory.model import Organisation

REFRESH_EVERY_S = 30.0
MISS_REFRESH_MIN_S = 2.0


class OrganisationCache:
    """Organisation by slug; a miss triggers a refresh (an organisation may have just been added)."""

    def __init__(
        self, load: Callable[[], Sequence[Organisation]], clock: Callable[[], float] = time.monotonic
    ):
        self._load = load
        self._clock = clock
        self._by_slug: dict[str, Organisation] = {}
        self._loaded_at = float("-inf")

    def get(self, slug: str) -> Organisation | None:
        now = self._clock()
        if now - self._loaded_at > REFRESH_EVERY_S:
            self._refresh(now)
        found = self._by_slug.get(slug)
        if found is None and now - self._loaded_at > MISS_REFRESH_MIN_S:
            self._refresh(now)
            found = self._by_slug.get(slug)
        return found

    def _refresh(self, now: float) -> None:
        self._by_slug = {org.slug: org for org in self._load()}
        self._loaded_at = now
