"""Buurt figures per wijk, and the wijken of a registry."""

from __future__ import annotations

from services.geo.registry import BuurtRegistry
from services.geo.shipped import load_shipped_buurten
from services.reports.areas import UNKNOWN_WIJK, per_wijk, wijken
from services.reports.model import AreaTally

# Two buurten of wijk Burgwallen-Oude Zijde and one of another wijk.
REGISTRY = BuurtRegistry(
    buurt for buurt in load_shipped_buurten() if buurt.code in {"BU0363AD01", "BU0363AD05", "BU0363NA01"}
)


def test_wijken_with_their_buurten() -> None:
    found = {wijk.code: wijk for wijk in wijken(REGISTRY)}

    first = REGISTRY.get("BU0363AD01")
    assert first is not None
    assert found[first.wijk_code].buurten == {
        buurt.code for buurt in REGISTRY if buurt.wijk_code == first.wijk_code
    }
    assert found[first.wijk_code].name == first.wijk_name
    assert sum(len(wijk.buurten) for wijk in found.values()) == 3
    assert [wijk.name for wijk in wijken(REGISTRY)] == sorted(wijk.name for wijk in found.values())


def test_buurt_tallies_add_up_per_wijk() -> None:
    ad01, ad05, na01 = (REGISTRY.get(code) for code in ("BU0363AD01", "BU0363AD05", "BU0363NA01"))
    assert ad01 is not None and ad05 is not None and na01 is not None
    assert ad01.wijk_code == ad05.wijk_code != na01.wijk_code

    found = per_wijk(
        [AreaTally("BU0363AD01", 2, 1), AreaTally("BU0363NA01", 4, 4), AreaTally("BU0363AD05", 3, 0)],
        REGISTRY,
    )

    assert found == (AreaTally(ad01.wijk_code, 5, 1), AreaTally(na01.wijk_code, 4, 4))


def test_a_buurt_the_registry_does_not_know_counts_under_an_unknown_wijk() -> None:
    assert per_wijk([AreaTally("BU0363ZZ99", 1, 1)], REGISTRY) == (AreaTally(UNKNOWN_WIJK, 1, 1),)
