"""SqlBuurtStore: the buurten table round-trips codes, names, population and polygons."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence

import pytest
import shapely
from shapely.affinity import translate
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from services.db.engine import create_db_engine, create_session_factory
from services.geo.model import Buurt
from services.geo.shipped import load_shipped_buurten
from services.geo.store import SqlBuurtStore

pytestmark = pytest.mark.db

#: GeoJSON in the table keeps 6 decimals of a degree (about 0.1 m).
TOLERANCE = 1e-6


@pytest.fixture(scope="module")
def shipped() -> list[Buurt]:
    return load_shipped_buurten()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_db_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return create_session_factory(engine)


@pytest.fixture
def store(sessions: sessionmaker[Session]) -> SqlBuurtStore:
    return SqlBuurtStore(sessions)


def _assert_same_buurten(loaded: Sequence[Buurt], expected: Sequence[Buurt]) -> None:
    assert [b.code for b in loaded] == [b.code for b in expected]
    for got, want in zip(loaded, expected, strict=True):
        texts = ("name", "wijk_code", "wijk_name", "stadsdeel_code", "stadsdeel_name", "population")
        assert {f: getattr(got, f) for f in texts} == {f: getattr(want, f) for f in texts}, want.code
        assert got.centroid_lat == pytest.approx(want.centroid_lat, abs=TOLERANCE), want.code
        assert got.centroid_lon == pytest.approx(want.centroid_lon, abs=TOLERANCE), want.code
        assert got.geometry.geom_type == want.geometry.geom_type, want.code
        assert shapely.equals_exact(got.geometry, want.geometry, tolerance=TOLERANCE), want.code


def test_the_test_database_holds_the_shipped_buurten(store: SqlBuurtStore, shipped: list[Buurt]) -> None:
    assert store.count() == len(shipped)
    _assert_same_buurten(store.load_all(), sorted(shipped, key=lambda b: b.code))


def test_replace_all_swaps_the_whole_table_and_round_trips(
    store: SqlBuurtStore, shipped: list[Buurt]
) -> None:
    first, second, third = shipped[10], shipped[200], shipped[5]
    replacement = [
        dataclasses.replace(first, name="Nieuwe naam 'met' \"tekens\" en é", population=None),
        second,
        # Off the 6-decimal grid: comes back within the tolerance, not necessarily bit for bit.
        dataclasses.replace(third, geometry=translate(third.geometry, xoff=3.3e-7, yoff=-2.2e-7)),
    ]

    assert store.replace_all(replacement) == 3

    assert store.count() == 3
    loaded = store.load_all()
    _assert_same_buurten(loaded, sorted(replacement, key=lambda b: b.code))
    assert [b.code for b in loaded] == sorted(b.code for b in replacement)


def test_replace_all_with_nothing_empties_the_table(store: SqlBuurtStore) -> None:
    assert store.replace_all([]) == 0

    assert store.count() == 0
    assert store.load_all() == []
