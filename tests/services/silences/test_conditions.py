"""Silences in escalation queries: the `silenced` filter and `silenced_until`, decided at query time."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from services.db.models import AuditRow, Escalation, EvidenceRow, SilenceRow
from services.db.types import utcnow
from services.escalations.model import EscalationFilter, Scope
from services.escalations.sql import SqlEscalationStore
from services.silences.model import SilenceDraft
from services.silences.sql import SqlSilenceStore
from tests.support.escalations import CENTRUM, NOORD, T0, evidence, message

pytestmark = pytest.mark.db

TABLES = (AuditRow, SilenceRow, EvidenceRow, Escalation)
EVERYTHING = Scope(everything=True)
RULE = "eviction-during-debt-assistance"
OTHER_RULE = "stacked-interventions"


@pytest.fixture
def stores(sessions: sessionmaker[Session]) -> tuple[SqlEscalationStore, SqlSilenceStore, dict[str, int]]:
    escalations = SqlEscalationStore(sessions)
    seeded = {
        "subject-1": message("k1", [evidence("e1", "woco", T0)], subject="hh:household0001", buurt=CENTRUM),
        "subject-2": message("k2", [evidence("e2", "woco", T0)], subject="hh:household0002", buurt=CENTRUM),
        "noord": message("k3", [evidence("e3", "woco", T0)], subject="hh:household0003", buurt=NOORD),
        "other-rule": message(
            "k4", [evidence("e4", "woco", T0)], rule=OTHER_RULE, subject="hh:household0001", buurt=CENTRUM
        ),
    }
    ids = {name: escalations.apply([item]).opened[0] for name, item in seeded.items()}
    return escalations, SqlSilenceStore(sessions), ids


def _silence(silences: SqlSilenceStore, ends_at: datetime, **target: str) -> int:
    draft = SilenceDraft(rule=RULE, reason="Maatwerk loopt al", ends_at=ends_at, **target)
    return silences.add(draft, "anna", "taskforce", utcnow()).id


def _names(store: SqlEscalationStore, ids: dict[str, int], silenced: bool | None) -> set[str]:
    found = {item.id for item in store.list(EscalationFilter(silenced=silenced), EVERYTHING).items}
    return {name for name, escalation_id in ids.items() if escalation_id in found}


def test_a_subject_silence_hides_only_that_subject_under_that_rule(
    stores: tuple[SqlEscalationStore, SqlSilenceStore, dict[str, int]],
) -> None:
    escalations, silences, ids = stores
    _silence(silences, utcnow() + timedelta(days=7), subject="hh:household0001")

    assert _names(escalations, ids, silenced=False) == {"subject-2", "noord", "other-rule"}
    assert _names(escalations, ids, silenced=True) == {"subject-1"}
    assert _names(escalations, ids, silenced=None) == set(ids)


def test_a_buurt_silence_hides_the_rule_in_that_buurt(
    stores: tuple[SqlEscalationStore, SqlSilenceStore, dict[str, int]],
) -> None:
    escalations, silences, ids = stores
    _silence(silences, utcnow() + timedelta(days=7), buurt=CENTRUM)

    assert _names(escalations, ids, silenced=True) == {"subject-1", "subject-2"}
    assert escalations.list(EscalationFilter(silenced=False), EVERYTHING).total == 2


def test_a_silence_that_ran_out_or_was_ended_hides_nothing(
    stores: tuple[SqlEscalationStore, SqlSilenceStore, dict[str, int]], sessions: sessionmaker[Session]
) -> None:
    escalations, silences, ids = stores
    ran_out = _silence(silences, utcnow() + timedelta(days=7), subject="hh:household0001")
    ended = _silence(silences, utcnow() + timedelta(days=7), buurt=NOORD)
    silences.expire(ended, "anna", "taskforce", utcnow())
    with sessions.begin() as session:  # its end has come: nothing needs to run for that
        session.get_one(SilenceRow, ran_out).ends_at = utcnow() - timedelta(seconds=1)

    assert _names(escalations, ids, silenced=True) == set()
    assert _names(escalations, ids, silenced=False) == set(ids)


def test_silenced_until_is_filled_in_the_list_and_the_detail(
    stores: tuple[SqlEscalationStore, SqlSilenceStore, dict[str, int]],
) -> None:
    escalations, silences, ids = stores
    near = utcnow() + timedelta(days=2)
    far = utcnow() + timedelta(days=9)
    _silence(silences, near, subject="hh:household0001")
    _silence(silences, far, buurt=CENTRUM)

    listed = {item.id: item.silenced_until for item in escalations.list(EscalationFilter(), EVERYTHING).items}
    detail = escalations.get(ids["subject-1"], EVERYTHING)

    assert listed[ids["subject-1"]] == far
    assert listed[ids["subject-2"]] == far
    assert listed[ids["noord"]] is None
    assert listed[ids["other-rule"]] is None
    assert detail is not None and detail.silenced_until == far


def test_a_silenced_escalation_keeps_updating(
    stores: tuple[SqlEscalationStore, SqlSilenceStore, dict[str, int]],
) -> None:
    escalations, silences, ids = stores
    _silence(silences, utcnow() + timedelta(days=7), subject="hh:household0001")
    more = [evidence("e1", "woco", T0), evidence("e9", "gemeente", T0 + timedelta(days=1))]

    result = escalations.apply([message("k1", more, subject="hh:household0001", buurt=CENTRUM)])

    assert result.updated == (ids["subject-1"],)
    view = escalations.get(ids["subject-1"], EVERYTHING)
    assert view is not None and len(view.evidence) == 2 and view.silenced_until is not None
