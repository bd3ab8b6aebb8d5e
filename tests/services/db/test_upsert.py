"""INSERT ... ON CONFLICT DO NOTHING: new rows go in, colliding rows leave the stored row as it was."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, UniqueConstraint, delete, select
from sqlalchemy.orm import Session, sessionmaker

from services.db.engine import create_db_engine, create_session_factory
from services.db.upsert import insert_if_absent, insert_ignoring_conflicts
from tests.support.databases import DatabaseFactory

pytestmark = pytest.mark.db

_metadata = MetaData()
probe = Table(
    "upsert_probe",
    _metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", String(50), nullable=False),
    Column("event_id", String(50), nullable=False),
    Column("payload", String(50), nullable=False),
    UniqueConstraint("source", "event_id"),
)
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
