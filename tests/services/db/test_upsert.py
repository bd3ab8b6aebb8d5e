"""INSERT ... ON CONFLICT DO NOTHING: new rows go in, colliding rows leave the stored row as it was."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import (
    Column,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    cast,
    delete,
    select,
)
from sqlalchemy.orm import Session, sessionmaker

from services.db.engine import create_db_engine, create_session_factory
from services.db.types import UTCDateTime
from services.db.upsert import insert_if_absent, insert_ignoring_conflicts, insert_many_ignoring_conflicts
from tests.support.databases import DatabaseFactory

pytestmark = pytest.mark.db

_metadata = MetaData()


def _probe_table(name: str, *extra: Column[Any]) -> Table:
    """A table keyed like the journal: unique (source, event_id), with a payload and `extra` columns."""
    return Table(
        name,
        _metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("source", String(50), nullable=False),
        Column("event_id", String(50), nullable=False),
        Column("payload", String(50), nullable=False),
        *extra,
        UniqueConstraint("source", "event_id"),
    )


probe = _probe_table("upsert_probe")
timed = _probe_table("upsert_probe_timed", Column("at", UTCDateTime, nullable=True))
KEY = ("source", "event_id")


@pytest.fixture(scope="module")
def engine(databases: DatabaseFactory) -> Iterator[Engine]:
    """One database for the module with the probe table: on PostgreSQL a new database per test costs
    0.3-0.5 s (CREATE DATABASE ... TEMPLATE, DROP DATABASE); the probe table is emptied per test."""
    engine = create_db_engine(databases.new())
    _metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    with engine.begin() as connection:
        connection.execute(delete(probe))
        connection.execute(delete(timed))
    return create_session_factory(engine)


def _row(source: str, event_id: str, payload: str) -> dict[str, Any]:
    return {"source": source, "event_id": event_id, "payload": payload}


def _stored(sessions: sessionmaker[Session]) -> dict[tuple[str, str], str]:
    with sessions() as session:
        rows = session.execute(select(probe.c.source, probe.c.event_id, probe.c.payload))
        return {(source, event_id): payload for source, event_id, payload in rows}


def test_rows_that_collide_with_stored_rows_are_skipped_and_the_rest_inserted(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        insert_ignoring_conflicts(session, probe, [_row("a", "1", "first"), _row("a", "2", "y")], KEY)
    assert _stored(sessions) == {("a", "1"): "first", ("a", "2"): "y"}

    with sessions.begin() as session:
        insert_ignoring_conflicts(
            session,
            probe,
            [_row("a", "1", "second"), _row("b", "1", "other source"), _row("a", "3", "new id")],
            KEY,
        )
        insert_ignoring_conflicts(session, probe, [], KEY)

    assert _stored(sessions) == {
        ("a", "1"): "first",
        ("a", "2"): "y",
        ("b", "1"): "other source",
        ("a", "3"): "new id",
    }


def test_a_duplicate_within_one_batch_keeps_the_first(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        insert_ignoring_conflicts(session, probe, [_row("a", "1", "first"), _row("a", "1", "second")], KEY)

    assert _stored(sessions) == {("a", "1"): "first"}


def test_insert_if_absent_reports_whether_it_inserted(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        first = insert_if_absent(session, probe, _row("a", "1", "first"), KEY)
    with sessions.begin() as session:
        again = insert_if_absent(session, probe, _row("a", "1", "second"), KEY)
        other = insert_if_absent(session, probe, _row("a", "2", "other"), KEY)

    assert (first, again, other) == (True, False, True)
    assert _stored(sessions) == {("a", "1"): "first", ("a", "2"): "other"}


def test_a_conflict_does_not_spoil_the_transaction(sessions: sessionmaker[Session]) -> None:
    # On PostgreSQL a failed INSERT would abort the whole transaction; ON CONFLICT DO NOTHING must not.
    with sessions.begin() as session:
        insert_if_absent(session, probe, _row("a", "1", "first"), KEY)
        assert not insert_if_absent(session, probe, _row("a", "1", "second"), KEY)
        insert_ignoring_conflicts(session, probe, [_row("a", "1", "third"), _row("a", "3", "later")], KEY)
        assert session.scalar(select(probe.c.payload).where(probe.c.event_id == "3")) == "later"

    assert _stored(sessions) == {("a", "1"): "first", ("a", "3"): "later"}


def test_an_unsupported_dialect_is_refused() -> None:
    engine = create_db_engine("sqlite://")
    engine.dialect.name = "oracle"
    try:
        with Session(engine) as session, pytest.raises(NotImplementedError, match="oracle"):
            insert_if_absent(session, probe, _row("a", "1", "x"), KEY)
    finally:
        engine.dispose()


def test_bulk_rows_go_in_as_tuples_with_their_types_converted_and_collisions_skipped(
    sessions: sessionmaker[Session],
) -> None:
    columns = ("source", "event_id", "payload", "at")
    summer = datetime(2026, 7, 1, 14, 30, 5, 123456, tzinfo=timezone(timedelta(hours=2)))
    with sessions.begin() as session:
        insert_many_ignoring_conflicts(
            session, timed, columns, [("a", "1", "first", summer), ("a", "2", "50% O'Brien", None)], KEY
        )
    with sessions.begin() as session:
        insert_many_ignoring_conflicts(
            session,
            timed,
            columns,
            [("a", "1", "second", None), ("b", "1", "other source", summer), ("a", "3", "new", summer)],
            KEY,
        )
        insert_many_ignoring_conflicts(session, timed, columns, [], KEY)

    with sessions() as session:
        rows = session.execute(select(timed.c.source, timed.c.event_id, timed.c.payload, timed.c.at))
        stored = {(source, event_id): (payload, at) for source, event_id, payload, at in rows}
    in_utc = datetime(2026, 7, 1, 12, 30, 5, 123456, tzinfo=UTC)
    assert stored == {
        ("a", "1"): ("first", in_utc),
        ("a", "2"): ("50% O'Brien", None),
        ("b", "1"): ("other source", in_utc),
        ("a", "3"): ("new", in_utc),
    }
    assert all(at is None or at.tzinfo is UTC for _, at in stored.values())


def test_bulk_rows_store_dates_exactly_as_the_orm_path_does(sessions: sessionmaker[Session]) -> None:
    # SQLite keeps dates as text and compares them as text: both paths must write the same text.
    at = datetime(2026, 7, 1, 14, 30, 5, 123456, tzinfo=timezone(timedelta(hours=2)))
    with sessions.begin() as session:
        insert_ignoring_conflicts(
            session, timed, [{"source": "orm", "event_id": "1", "payload": "p", "at": at}], KEY
        )
        insert_many_ignoring_conflicts(
            session, timed, ("source", "event_id", "payload", "at"), [("bulk", "1", "p", at)], KEY
        )
    with sessions() as session:
        texts = {
            source: text for source, text in session.execute(select(timed.c.source, cast(timed.c.at, String)))
        }
    assert texts["bulk"] == texts["orm"]
