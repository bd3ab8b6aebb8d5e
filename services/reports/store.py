"""The reports' storage interface."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from services.escalations.model import Scope
from services.reports.model import Bucket, Knelpunten, KnelpuntenQuery, Overview


class ReportStore(Protocol):
    """Figures over the escalations within a scope; every escalation counts, silenced or not."""

    def overview(self, scope: Scope, weeks: Sequence[Bucket]) -> Overview:
        """Open escalations per buurt and per rule and severity; escalations opened per bucket of `weeks`."""
        ...

    def knelpunten(self, scope: Scope, query: KnelpuntenQuery) -> Knelpunten:
        """Which rules, policies, domains and organisations clash most, where and per month."""
        ...
