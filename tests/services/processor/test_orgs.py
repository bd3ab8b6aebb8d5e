"""OrganisationCache: loads on first use, refreshes periodically and on a miss, but not on every miss."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

from schemas.identifiers import Domain
from services.directory.model import Organisation
from services.processor.orgs import MISS_REFRESH_MIN_S, REFRESH_EVERY_S, OrganisationCache

WOONSTAD = Organisation("woonstad", Domain.HOUSING, "Woonstad")
SOCIAAL = Organisation("sociaal", Domain.SOCIAL, "Sociaal domein")
POLITIE = Organisation("politie", Domain.SAFETY, "Politie")


@dataclass
class Directory:
    """The organisations as the directory has them now; counts how often it was asked."""

    organisations: list[Organisation] = field(default_factory=list)
    loads: int = 0

    def load(self) -> Sequence[Organisation]:
        self.loads += 1
        return list(self.organisations)


@dataclass
class Clock:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def directory() -> Directory:
    return Directory([WOONSTAD, SOCIAAL])


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def cache(directory: Directory, clock: Clock) -> OrganisationCache:
    return OrganisationCache(directory.load, clock=clock)


def test_nothing_is_loaded_before_first_use(directory: Directory, cache: OrganisationCache) -> None:
    assert directory.loads == 0


def test_the_first_lookup_loads_once_and_hits_are_served_from_the_cache(
    directory: Directory, clock: Clock, cache: OrganisationCache
) -> None:
    assert cache.get("woonstad") == WOONSTAD
    assert directory.loads == 1

    for _ in range(5):
        clock.advance(1.0)
        assert cache.get("sociaal") == SOCIAAL
        assert cache.get("woonstad") == WOONSTAD

    assert directory.loads == 1


def test_a_miss_right_after_loading_does_not_load_again(
    directory: Directory, clock: Clock, cache: OrganisationCache
) -> None:
    assert cache.get("politie") is None

    assert directory.loads == 1, "the first load already saw every organisation"


def test_a_miss_reloads_to_find_an_organisation_added_meanwhile(
    directory: Directory, clock: Clock, cache: OrganisationCache
) -> None:
    cache.get("woonstad")
    directory.organisations.append(POLITIE)
    clock.advance(MISS_REFRESH_MIN_S + 0.5)

    assert cache.get("politie") == POLITIE
    assert directory.loads == 2


def test_misses_reload_at_most_once_per_interval(
    directory: Directory, clock: Clock, cache: OrganisationCache
) -> None:
    cache.get("woonstad")
    clock.advance(MISS_REFRESH_MIN_S + 0.1)
    assert cache.get("onbekend") is None
    assert directory.loads == 2

    steps = 10
    for _ in range(steps):
        clock.advance(MISS_REFRESH_MIN_S / steps * 0.9)
        assert cache.get("onbekend") is None
    assert directory.loads == 2, (
        "a stream of records of an unknown organisation must not hammer the directory"
    )

    clock.advance(MISS_REFRESH_MIN_S)
    assert cache.get("onbekend") is None
    assert directory.loads == 3


def test_an_organisation_added_within_the_miss_interval_is_found_after_it(
    directory: Directory, clock: Clock, cache: OrganisationCache
) -> None:
    cache.get("woonstad")
    directory.organisations.append(POLITIE)
    clock.advance(MISS_REFRESH_MIN_S / 2)
    assert cache.get("politie") is None

    clock.advance(MISS_REFRESH_MIN_S)
    assert cache.get("politie") == POLITIE


def test_a_periodic_refresh_picks_up_changes_without_a_miss(
    directory: Directory, clock: Clock, cache: OrganisationCache
) -> None:
    assert cache.get("woonstad") == WOONSTAD
    replaced = Organisation("woonstad", Domain.HOUSING, "Woonstad Rotterdam")
    directory.organisations = [replaced, SOCIAAL]

    clock.advance(REFRESH_EVERY_S - 1)
    assert cache.get("woonstad") == WOONSTAD
    assert directory.loads == 1

    clock.advance(2)
    assert cache.get("woonstad") == replaced
    assert directory.loads == 2


def test_a_removed_organisation_disappears_at_the_next_refresh(
    directory: Directory, clock: Clock, cache: OrganisationCache
) -> None:
    assert cache.get("sociaal") == SOCIAAL
    directory.organisations = [WOONSTAD]

    clock.advance(REFRESH_EVERY_S + 1)

    assert cache.get("sociaal") is None
    assert cache.get("woonstad") == WOONSTAD


def test_each_period_refreshes_once(directory: Directory, clock: Clock, cache: OrganisationCache) -> None:
    for _ in range(4):
        cache.get("woonstad")
        cache.get("sociaal")
        clock.advance(REFRESH_EVERY_S + 1)

    assert directory.loads == 4
