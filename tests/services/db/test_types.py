"""UTCDateTime: timezone-aware UTC in, timezone-aware UTC out, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Column, Engine, Integer, MetaData, Table, delete, insert, select, text
from sqlalchemy.exc import StatementError

from services.db.engine import create_db_engine
from services.db.types import UTCDateTime, utcnow
from tests.support.databases import DatabaseFactory

pytestmark = pytest.mark.db

_metadata = MetaData()
stamps = Table(
    "utc_probe",
    _metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime, nullable=True),
)


@pytest.fixture(scope="module")
def module_engine(databases: DatabaseFactory) -> Iterator[Engine]:
    """One database for the module with the probe table: on PostgreSQL a new database per test costs
    0.3-0.5 s (CREATE DATABASE ... TEMPLATE, DROP DATABASE); the probe table is emptied per test."""
    engine = create_db_engine(databases.new())
    _metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def engine(module_engine: Engine) -> Engine:
    with module_engine.begin() as connection:
        connection.execute(delete(stamps))
    return module_engine


def _store(engine: Engine, *values: datetime | None) -> None:
    with engine.begin() as connection:
        connection.execute(insert(stamps), [{"id": n, "at": value} for n, value in enumerate(values, 1)])


def _read(engine: Engine, row_id: int) -> datetime | None:
    with engine.connect() as connection:
        return connection.scalar(select(stamps.c.at).where(stamps.c.id == row_id))


WRITTEN = {
    "utc": datetime(2026, 10, 1, 9, 0, tzinfo=UTC),
    "amsterdam-summer": datetime(2026, 7, 1, 11, 30, 15, 123456, tzinfo=ZoneInfo("Europe/Amsterdam")),
    "minus-five-crossing-midnight": datetime(
        2026, 1, 31, 23, 59, 59, 1, tzinfo=timezone(timedelta(hours=-5))
    ),
    "utcnow": utcnow(),
}


def test_an_aware_datetime_comes_back_as_the_same_instant_in_utc(engine: Engine) -> None:
    _store(engine, *WRITTEN.values())

    for row_id, (case, written) in enumerate(WRITTEN.items(), 1):
        read = _read(engine, row_id)

        assert read is not None, case
        assert read == written, case
        assert read.utcoffset() == timedelta(0), case
        # The wall clock read back is the UTC one, to the microsecond.
        assert read.replace(tzinfo=None) == written.astimezone(UTC).replace(tzinfo=None), case


@pytest.mark.parametrize("zone", ["Europe/Amsterdam", "America/New_York"])
def test_a_session_in_another_time_zone_still_reads_utc(engine: Engine, zone: str) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("only PostgreSQL has a session time zone")
    written = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # half an hour before the Dutch clocks change
    _store(engine, written)

    with engine.connect() as connection:
        connection.execute(text(f"SET TIME ZONE '{zone}'"))
        read = connection.scalar(select(stamps.c.at))

    assert read is not None
    assert read == written
    assert read.utcoffset() == timedelta(0)
    assert read.replace(tzinfo=None) == datetime(2026, 3, 29, 0, 30)  # naive on purpose


def test_null_stays_null(engine: Engine) -> None:
    _store(engine, None, datetime(2026, 10, 1, tzinfo=UTC))

    assert _read(engine, 1) is None
    assert _read(engine, 2) is not None


def test_a_naive_datetime_is_refused(engine: Engine) -> None:
    with pytest.raises(StatementError) as caught:
        _store(engine, datetime(2026, 10, 1, 9, 0))  # naive on purpose

    assert isinstance(caught.value.orig, ValueError)
    assert "naive" in str(caught.value.orig)
    with engine.connect() as connection:
        assert connection.scalar(select(stamps.c.id)) is None


def test_comparisons_and_ordering_use_the_instant_not_the_wall_clock(engine: Engine) -> None:
    amsterdam = ZoneInfo("Europe/Amsterdam")
    # 10:00 in Amsterdam (08:00 UTC) is earlier than 09:00 UTC although its wall clock reads later.
    early = datetime(2026, 7, 1, 10, 0, tzinfo=amsterdam)
    late = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
    _store(engine, late, early)

    with engine.connect() as connection:
        ordered = list(connection.scalars(select(stamps.c.id).order_by(stamps.c.at)))
        after = list(
            connection.scalars(
                select(stamps.c.id).where(stamps.c.at > datetime(2026, 7, 1, 10, 30, tzinfo=amsterdam))
            )
        )

    assert ordered == [2, 1]
    assert after == [1]
