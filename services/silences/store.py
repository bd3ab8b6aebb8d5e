"""The silences' storage interface."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Protocol

from services.silences.model import Silence, SilenceDraft


class SilenceStore(Protocol):
    """Silences, with every change written to the audit log in the same transaction."""

    def add(self, draft: SilenceDraft, actor: str, role: str, now: datetime) -> Silence:
        """Store a new silence created by `actor`."""
        ...

    def expire(self, silence_id: int, actor: str, role: str, now: datetime) -> Silence:
        """End an active silence now; SilenceNotFoundError or SilenceEndedError otherwise."""
        ...

    def get(self, silence_id: int) -> Silence | None:
        """One silence, or None."""
        ...

    def listing(self, now: datetime, *, active: bool | None = None, limit: int = 200) -> Sequence[Silence]:
        """Silences newest first: all (None), only active (True) or only ended (False) at `now`."""
        ...

    def active_for(self, rules: Collection[str], now: datetime) -> Sequence[Silence]:
        """The silences of `rules` that are active at `now`."""
        ...
