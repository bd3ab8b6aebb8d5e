"""SqlSilenceStore: stored, listed, expired once, and every change audited in the same transaction."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from services.db.models import AuditRow, SilenceRow
from services.db.types import utcnow
from services.silences.errors import SilenceEndedError, SilenceNotFoundError
from services.silences.model import SilenceDraft
from services.silences.sql import SqlSilenceStore

pytestmark = pytest.mark.db

TABLES = (AuditRow, SilenceRow)
RULE = "eviction-during-debt-assistance"


@pytest.fixture
def store(sessions: sessionmaker[Session]) -> SqlSilenceStore:
    return SqlSilenceStore(sessions)


def _draft(days: float = 7, **fields: str) -> SilenceDraft:
    values = {"rule": RULE, "subject": "hh:household0001", "reason": "Maatwerk loopt al", **fields}
    return SilenceDraft(ends_at=utcnow() + timedelta(days=days), **values)


def _audit(sessions: sessionmaker[Session]) -> list[tuple[str, str, str, str, dict[str, object]]]:
    with sessions() as session:
        rows = session.scalars(select(AuditRow).order_by(AuditRow.id))
        return [(row.actor, row.role, row.action, row.target, dict(row.detail)) for row in rows]


def test_a_new_silence_is_stored_and_audited(store: SqlSilenceStore, sessions: sessionmaker[Session]) -> None:
    now = utcnow()
    draft = _draft()

    created = store.add(draft, "anna", "taskforce", now)

    assert store.get(created.id) == created
    assert (created.rule, created.subject, created.buurt, created.reason) == (
        RULE,
        "hh:household0001",
        None,
        "Maatwerk loopt al",
    )
    assert (created.created_by, created.created_at, created.ends_at) == ("anna", now, draft.ends_at)
    assert created.active_at(now)
    assert _audit(sessions) == [
        (
            "anna",
            "taskforce",
            "silence.create",
            f"silence:{created.id}",
            {
                "rule": RULE,
                "subject": "hh:household0001",
                "buurt": None,
                "reason": "Maatwerk loopt al",
                "ends_at": draft.ends_at.isoformat(),
            },
        )
    ]


def test_expiring_ends_it_now_and_is_audited(store: SqlSilenceStore, sessions: sessionmaker[Session]) -> None:
    created = store.add(_draft(), "anna", "taskforce", utcnow())
    now = utcnow()

    expired = store.expire(created.id, "beheer", "admin", now)

    assert (expired.expired_at, expired.expired_by) == (now, "beheer")
    assert not expired.active_at(now)
    assert store.get(created.id) == expired
    assert [(actor, action) for actor, _, action, _, _ in _audit(sessions)] == [
        ("anna", "silence.create"),
        ("beheer", "silence.expire"),
    ]


def test_an_ended_silence_cannot_be_ended_again(
    store: SqlSilenceStore, sessions: sessionmaker[Session]
) -> None:
    created = store.add(_draft(), "anna", "taskforce", utcnow())
    store.expire(created.id, "anna", "taskforce", utcnow())
    ran_out = store.add(_draft(days=1), "anna", "taskforce", utcnow())

    with pytest.raises(SilenceEndedError):
        store.expire(created.id, "anna", "taskforce", utcnow())
    with pytest.raises(SilenceEndedError):
        store.expire(ran_out.id, "anna", "taskforce", utcnow() + timedelta(days=2))
    assert len(_audit(sessions)) == 3


def test_an_unknown_silence_cannot_be_ended(store: SqlSilenceStore) -> None:
    with pytest.raises(SilenceNotFoundError):
        store.expire(404, "anna", "taskforce", utcnow())


def test_listing_by_activity_newest_first(store: SqlSilenceStore) -> None:
    now = utcnow()
    first = store.add(_draft(days=1), "anna", "taskforce", now - timedelta(minutes=3))
    second = store.add(
        _draft(days=10, subject="hh:household0002"), "anna", "taskforce", now - timedelta(minutes=2)
    )
    third = store.add(
        _draft(days=10, subject="hh:household0003"), "anna", "taskforce", now - timedelta(minutes=1)
    )
    store.expire(third.id, "anna", "taskforce", now)
    later = now + timedelta(days=2)  # the first one ran out by itself

    assert [item.id for item in store.listing(later)] == [third.id, second.id, first.id]
    assert [item.id for item in store.listing(later, active=True)] == [second.id]
    assert [item.id for item in store.listing(later, active=False)] == [third.id, first.id]
    assert [item.id for item in store.listing(later, limit=1)] == [third.id]


def test_active_for_names_only_active_silences_of_the_rules(store: SqlSilenceStore) -> None:
    now = utcnow()
    wanted = store.add(_draft(), "anna", "taskforce", now)
    store.add(_draft(rule="stacked-interventions"), "anna", "taskforce", now)
    ended = store.add(_draft(subject="hh:household0002"), "anna", "taskforce", now)
    store.expire(ended.id, "anna", "taskforce", now)

    assert [item.id for item in store.active_for({RULE}, now)] == [wanted.id]
    assert store.active_for(set(), now) == []


@pytest.mark.parametrize("target", [{"subject": None, "buurt": None}, {"buurt": "BU0363AD05"}])
def test_the_database_holds_exactly_one_of_subject_or_buurt(
    sessions: sessionmaker[Session], target: dict[str, str | None]
) -> None:
    row = SilenceRow(
        rule=RULE,
        subject="hh:household0001",
        reason="x" * 3,
        created_by="anna",
        created_at=utcnow(),
        ends_at=utcnow() + timedelta(days=1),
    )
    for key, value in target.items():
        setattr(row, key, value)
    with pytest.raises(IntegrityError), sessions.begin() as session:
        session.add(row)
