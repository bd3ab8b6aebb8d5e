"""The knelpunten report's filters as its URL carries them: a period in months and a wijk.

Read leniently, like the queue's: a stale bookmark or a hand-edited URL never fails the page; a value
that is not one of the choices counts as not given, and the page says which value it ignored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

from services.escalations.model import Scope
from services.geo.registry import BuurtRegistry
from services.reports.areas import Wijk, wijken
from services.reports.model import KnelpuntenQuery
from services.reports.periods import months

#: The periods to choose from, in months up to and including the current one.
PERIODS = (3, 6, 12, 24)
DEFAULT_PERIOD = 12


@dataclass(frozen=True)
class KnelpuntenFilter:
    """The period (months) and the wijk (None: all) the report covers, and the values it ignored."""

    period: int = DEFAULT_PERIOD
    wijk: Wijk | None = None
    ignored: tuple[str, ...] = ()

    def query(self, now: datetime, zone: tzinfo) -> KnelpuntenQuery:
        """The report store's query: the months of the period that ends with `now`'s month."""
        return KnelpuntenQuery(
            months=months(now, self.period, zone), buurten=self.wijk.buurten if self.wijk else None
        )

    def params(self) -> dict[str, str]:
        """The URL parameters of this filter (for the CSV link and the wijk links)."""
        values = {"periode": str(self.period)}
        if self.wijk:
            values["wijk"] = self.wijk.code
        return values


def wijk_choices(registry: BuurtRegistry, scope: Scope) -> tuple[Wijk, ...]:
    """The wijken a reader may filter on: all, or for a reader bound to buurten the wijken of those."""
    found = wijken(registry)
    if scope.buurten:
        return tuple(wijk for wijk in found if wijk.buurten & scope.buurten)
    return found


def read_filter(periode: str, wijk: str, choices: Sequence[Wijk]) -> KnelpuntenFilter:
    """The filter that the URL's `periode` and `wijk` name; unknown values are ignored (and listed)."""
    ignored = []
    period = DEFAULT_PERIOD
    if periode:
        if periode.isdigit() and int(periode) in PERIODS:
            period = int(periode)
        else:
            ignored.append(f"onbekende periode {periode!r}")
    chosen = None
    if wijk:
        chosen = next((item for item in choices if item.code == wijk), None)
        if chosen is None:
            ignored.append(f"onbekende wijk {wijk!r}")
    return KnelpuntenFilter(period=period, wijk=chosen, ignored=tuple(ignored))
