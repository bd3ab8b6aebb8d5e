"""Buurt figures added up per wijk, and the wijken a filter can name, through the buurt registry."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from services.geo.registry import BuurtRegistry
from services.reports.model import AreaTally

#: The wijk under which buurt codes that the registry does not know are counted.
UNKNOWN_WIJK = ""


@dataclass(frozen=True)
class Wijk:
    """A wijk and the codes of its buurten."""

    code: str
    name: str
    stadsdeel_name: str
    buurten: frozenset[str]


def wijken(registry: BuurtRegistry) -> tuple[Wijk, ...]:
    """The registry's wijken, ordered by name (then code)."""
    found: dict[str, Wijk] = {}
    for buurt in registry:
        known = found.get(buurt.wijk_code)
        codes = (known.buurten if known else frozenset()) | {buurt.code}
        found[buurt.wijk_code] = Wijk(buurt.wijk_code, buurt.wijk_name, buurt.stadsdeel_name, codes)
    return tuple(sorted(found.values(), key=lambda wijk: (wijk.name, wijk.code)))


def per_wijk(buurten: Iterable[AreaTally], registry: BuurtRegistry) -> tuple[AreaTally, ...]:
    """Buurt tallies added up per wijk (most escalations first); unknown buurten under UNKNOWN_WIJK."""
    totals: dict[str, tuple[int, int]] = {}
    for tally in buurten:
        buurt = registry.get(tally.code)
        wijk = buurt.wijk_code if buurt else UNKNOWN_WIJK
        total, still_open = totals.get(wijk, (0, 0))
        totals[wijk] = (total + tally.total, still_open + tally.open)
    return tuple(
        sorted(
            (
                AreaTally(code=code, total=total, open=still_open)
                for code, (total, still_open) in totals.items()
            ),
            key=lambda item: (-item.total, item.code),
        )
    )
