"""Heartbeats: one row per component instance; fresh ones reported, stale ones left out, then forgotten."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from services.db.models import Heartbeat
from services.db.types import utcnow
from services.health.heartbeats import READY, STARTING, STOPPED, SqlHeartbeatStore

pytestmark = pytest.mark.db

STALE_AFTER = timedelta(seconds=15)


#: The tables this store writes, children first; emptied before every test.
TABLES = (Heartbeat,)


@pytest.fixture
def heartbeats(sessions: sessionmaker[Session]) -> SqlHeartbeatStore:
    return SqlHeartbeatStore(sessions)


def _age(sessions: sessionmaker[Session], component: str, instance: str, by: timedelta) -> None:
    """Pretend that an instance last beat `by` ago."""
    with sessions.begin() as session:
        session.execute(
            update(Heartbeat)
            .where(Heartbeat.component == component, Heartbeat.instance == instance)
            .values(updated_at=utcnow() - by)
        )


def _states(
    heartbeats: SqlHeartbeatStore, stale_after: timedelta = STALE_AFTER
) -> dict[tuple[str, str], str]:
    return {(s.component, s.instance): s.state for s in heartbeats.fresh(stale_after)}


def test_a_beat_is_reported_as_fresh(heartbeats: SqlHeartbeatStore) -> None:
    before = utcnow()

    heartbeats.beat("processor", "host-a:101", STARTING, {"partitions": [0, 1]})

    (state,) = heartbeats.fresh(STALE_AFTER)
    assert (state.component, state.instance, state.state) == ("processor", "host-a:101", STARTING)
    assert dict(state.detail) == {"partitions": [0, 1]}
    assert before <= state.updated_at <= utcnow()


def test_a_later_beat_replaces_the_state_of_the_same_instance(heartbeats: SqlHeartbeatStore) -> None:
    heartbeats.beat("processor", "host-a:101", STARTING, {"step": "joining"})
    heartbeats.beat("processor", "host-b:202", STARTING)

    heartbeats.beat("processor", "host-a:101", READY)

    assert _states(heartbeats) == {("processor", "host-a:101"): READY, ("processor", "host-b:202"): STARTING}
    detail = {(s.component, s.instance): dict(s.detail) for s in heartbeats.fresh(STALE_AFTER)}
    assert detail[("processor", "host-a:101")] == {}


def test_remove_forgets_one_instance(heartbeats: SqlHeartbeatStore) -> None:
    heartbeats.beat("processor", "host-a:101", READY)
    heartbeats.beat("sink", "host-a:101", READY)

    heartbeats.remove("processor", "host-a:101")
    heartbeats.remove("processor", "never-was")

    assert _states(heartbeats) == {("sink", "host-a:101"): READY}


def test_stale_instances_are_left_out(heartbeats: SqlHeartbeatStore, sessions: sessionmaker[Session]) -> None:
    heartbeats.beat("processor", "alive", READY)
    heartbeats.beat("processor", "hung", READY)
    heartbeats.beat("sink", "stopped", STOPPED)
    _age(sessions, "processor", "hung", timedelta(seconds=40))
    _age(sessions, "sink", "stopped", timedelta(seconds=10))

    assert _states(heartbeats, timedelta(seconds=15)) == {
        ("processor", "alive"): READY,
        ("sink", "stopped"): STOPPED,
    }
    assert _states(heartbeats, timedelta(seconds=5)) == {("processor", "alive"): READY}
    assert set(_states(heartbeats, timedelta(minutes=1))) == {
        ("processor", "alive"),
        ("processor", "hung"),
        ("sink", "stopped"),
    }


def test_a_beat_forgets_instances_silent_for_more_than_a_day(
    heartbeats: SqlHeartbeatStore, sessions: sessionmaker[Session]
) -> None:
    heartbeats.beat("processor", "crashed-long-ago", READY)
    heartbeats.beat("processor", "crashed-yesterday", READY)
    _age(sessions, "processor", "crashed-long-ago", timedelta(days=2))
    _age(sessions, "processor", "crashed-yesterday", timedelta(hours=20))

    heartbeats.beat("sink", "new", STARTING)

    with sessions() as session:
        rows = set(session.execute(select(Heartbeat.component, Heartbeat.instance)).all())
    assert rows == {("processor", "crashed-yesterday"), ("sink", "new")}
