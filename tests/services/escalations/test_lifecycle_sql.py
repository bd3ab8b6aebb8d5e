"""The lifecycle store: history, audit and the decision's outbox record in one transaction; optimistic
locking so that of two users deciding at once exactly one wins."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from services.db.models import AuditRow, Escalation, EvidenceRow, HistoryRow, JournalEntry
from services.escalations.commands import Command, DecisionInput
from services.escalations.decision_event import TASKFORCE_SOURCE
from services.escalations.errors import (
    EscalationNotFoundError,
    InvalidCommandError,
    TransitionError,
    VersionConflictError,
)
from services.escalations.lifecycle import Action
from services.escalations.lifecycle_sql import SqlLifecycleStore
from services.escalations.model import Scope, Status
from services.escalations.sql import SqlEscalationStore
from tests.support.escalations import CENTRUM, T0, evidence, message

pytestmark = pytest.mark.db

EVERYTHING = Scope(everything=True)
TOPIC = "t.buurt.decisions"
TABLES = (AuditRow, HistoryRow, JournalEntry, EvidenceRow, Escalation)
DECISION = DecisionInput("maatwerk", "Ontruiming opschorten", (("woco", "Schort de ontruiming op"),))


@pytest.fixture
def stores(sessions: sessionmaker[Session]) -> tuple[SqlLifecycleStore, SqlEscalationStore, int]:
    escalations = SqlEscalationStore(sessions)
    items = [evidence("e-1", "woco", T0), evidence("e-2", "gemeente", T0)]
    (escalation_id,) = escalations.apply([message("k-1", items)]).opened
    return SqlLifecycleStore(sessions, decisions_topic=TOPIC), escalations, escalation_id


def _command(action: Action, version: int | None = None, **fields: object) -> Command:
    return Command(action=action, actor="anna", role="taskforce", version=version, **fields)  # type: ignore[arg-type]


def _walk_to_in_progress(lifecycle: SqlLifecycleStore, escalation_id: int) -> int:
    version = lifecycle.act(escalation_id, EVERYTHING, _command(Action.ACKNOWLEDGE, 1)).version
    return lifecycle.act(escalation_id, EVERYTHING, _command(Action.ASSIGN, version, assignee="bram")).version


def test_each_step_is_stored_with_who_when_and_the_statuses(
    stores: tuple[SqlLifecycleStore, SqlEscalationStore, int], sessions: sessionmaker[Session]
) -> None:
    lifecycle, escalations, escalation_id = stores

    version = _walk_to_in_progress(lifecycle, escalation_id)
    lifecycle.act(escalation_id, EVERYTHING, _command(Action.COMMENT, text="Gebeld met de corporatie"))
    outcome = lifecycle.act(escalation_id, EVERYTHING, _command(Action.DECIDE, version, decision=DECISION))

    view = escalations.get(escalation_id, EVERYTHING)
    assert view is not None and outcome.status is Status.DECIDED and view.status is Status.DECIDED
    assert view.version == outcome.version == 4
    assert view.assignee == "bram" and view.acknowledged_at is not None and view.decided_at is not None
    assert [(s.action, s.from_status, s.to_status, s.actor) for s in view.history] == [
        ("acknowledge", Status.OPEN, Status.ACKNOWLEDGED, "anna"),
        ("assign", Status.ACKNOWLEDGED, Status.IN_PROGRESS, "anna"),
        ("comment", Status.IN_PROGRESS, Status.IN_PROGRESS, "anna"),
        ("decide", Status.IN_PROGRESS, Status.DECIDED, "anna"),
    ]
    assert view.history[2].text == "Gebeld met de corporatie"
    assert view.decision is not None and view.decision.kind == "maatwerk"
    assert [(i.org, i.action, i.done_at) for i in view.decision.instructions] == [
        ("woco", "Schort de ontruiming op", None)
    ]
    with sessions() as session:
        audit = session.scalars(select(AuditRow).order_by(AuditRow.id)).all()
    assert [row.action for row in audit] == [
        "escalation.acknowledge",
        "escalation.assign",
        "escalation.comment",
        "escalation.decide",
    ]
    assert {row.target for row in audit} == {f"escalation:{escalation_id}"}


def test_a_decision_is_in_the_journal_in_the_same_transaction_as_a_valid_event(
    stores: tuple[SqlLifecycleStore, SqlEscalationStore, int], sessions: sessionmaker[Session]
) -> None:
    lifecycle, escalations, escalation_id = stores
    version = _walk_to_in_progress(lifecycle, escalation_id)

    outcome = lifecycle.act(escalation_id, EVERYTHING, _command(Action.DECIDE, version, decision=DECISION))

    assert outcome.outbox is not None
    with sessions() as session:
        (entry,) = session.scalars(select(JournalEntry)).all()
    assert entry.source == TASKFORCE_SOURCE and entry.topic == TOPIC and entry.key == CENTRUM
    assert entry.published_at is None, "published only once the broker acknowledged it"
    event = json.loads(entry.record)
    assert event["type"] == "nl.wijkbrug.taskforce.decision.made"
    assert event["subject"] == "hh:household0001" and event["buurt"] == CENTRUM
    assert event["data"] == {
        "escalation_id": escalation_id,
        "decision": "maatwerk",
        "text": "Ontruiming opschorten",
        "instructions": [{"org": "woco", "action": "Schort de ontruiming op"}],
    }
    view = escalations.get(escalation_id, EVERYTHING)
    assert view is not None and view.decision is not None and view.decision.event_id == event["id"]


def test_a_stale_version_is_a_conflict_and_changes_nothing(
    stores: tuple[SqlLifecycleStore, SqlEscalationStore, int],
) -> None:
    lifecycle, escalations, escalation_id = stores
    lifecycle.act(escalation_id, EVERYTHING, _command(Action.ACKNOWLEDGE, 1))

    with pytest.raises(VersionConflictError) as caught:
        lifecycle.act(escalation_id, EVERYTHING, _command(Action.ASSIGN, 1, assignee="bram"))

    assert "reload" in caught.value.message and caught.value.details == [
        {"id": escalation_id, "version": 2, "status": "acknowledged"}
    ]
    view = escalations.get(escalation_id, EVERYTHING)
    assert view is not None and view.assignee is None and len(view.history) == 1


def test_two_users_deciding_at_once_one_wins_the_other_gets_a_conflict(
    stores: tuple[SqlLifecycleStore, SqlEscalationStore, int], sessions: sessionmaker[Session]
) -> None:
    lifecycle, escalations, escalation_id = stores
    version = _walk_to_in_progress(lifecycle, escalation_id)
    start = threading.Barrier(2)
    results: dict[str, object] = {}

    def decide(who: str, kind: str) -> Callable[[], None]:
        def run() -> None:
            command = Command(
                Action.DECIDE, who, "taskforce", version, decision=DecisionInput(kind, f"besluit {who}")
            )
            start.wait()
            try:
                results[who] = lifecycle.act(escalation_id, EVERYTHING, command).status
            except VersionConflictError as exc:
                results[who] = exc

        return run

    threads = [
        threading.Thread(target=decide(w, k)) for w, k in (("anna", "maatwerk"), ("bram", "no_action"))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    winners = [who for who, result in results.items() if result is Status.DECIDED]
    losers = [who for who, result in results.items() if isinstance(result, VersionConflictError)]
    assert len(winners) == 1 and len(losers) == 1, results
    view = escalations.get(escalation_id, EVERYTHING)
    assert view is not None and view.decision is not None
    assert view.decision.decided_by == winners[0] and view.decision.text == f"besluit {winners[0]}"
    assert [step.action for step in view.history].count("decide") == 1
    with sessions() as session:
        assert len(session.scalars(select(JournalEntry)).all()) == 1


def test_a_confirmation_marks_the_organisations_instruction_once(
    stores: tuple[SqlLifecycleStore, SqlEscalationStore, int],
) -> None:
    lifecycle, escalations, escalation_id = stores
    version = _walk_to_in_progress(lifecycle, escalation_id)
    lifecycle.act(escalation_id, EVERYTHING, _command(Action.DECIDE, version, decision=DECISION))
    liaison = Command(Action.CONFIRM, "lisa", "liaison", org="woco")

    lifecycle.act(escalation_id, Scope(org="woco"), liaison)
    first = escalations.get(escalation_id, EVERYTHING)
    lifecycle.act(escalation_id, Scope(org="woco"), liaison)
    with pytest.raises(InvalidCommandError):
        lifecycle.act(escalation_id, EVERYTHING, _command(Action.CONFIRM, org="politie"))

    again = escalations.get(escalation_id, EVERYTHING)
    assert first is not None and first.decision is not None and again is not None and again.decision
    (instruction,) = again.decision.instructions
    assert instruction.done_by == "lisa" and instruction.done_at == first.decision.instructions[0].done_at
    assert again.status is Status.DECIDED


def test_outside_the_scope_it_does_not_exist_and_a_wrong_status_is_refused(
    stores: tuple[SqlLifecycleStore, SqlEscalationStore, int],
) -> None:
    lifecycle, _, escalation_id = stores

    with pytest.raises(EscalationNotFoundError):
        lifecycle.act(escalation_id, Scope(org="politie"), _command(Action.COMMENT, text="hallo"))
    with pytest.raises(EscalationNotFoundError):
        lifecycle.act(escalation_id + 1000, EVERYTHING, _command(Action.ACKNOWLEDGE, 1))
    with pytest.raises(TransitionError):
        lifecycle.act(escalation_id, EVERYTHING, _command(Action.DECIDE, 1, decision=DECISION))


def test_new_evidence_updates_the_escalation_and_a_decision_on_the_old_version_conflicts(
    stores: tuple[SqlLifecycleStore, SqlEscalationStore, int],
) -> None:
    lifecycle, escalations, escalation_id = stores
    version = _walk_to_in_progress(lifecycle, escalation_id)
    items = [evidence("e-1", "woco", T0), evidence("e-2", "gemeente", T0), evidence("e-3", "politie", T0)]

    result = escalations.apply([message("k-1", items)])

    assert result.updated == (escalation_id,) and not result.opened
    view = escalations.get(escalation_id, EVERYTHING)
    assert view is not None and view.status is Status.IN_PROGRESS and len(view.evidence) == 3
    with pytest.raises(VersionConflictError):
        lifecycle.act(escalation_id, EVERYTHING, _command(Action.DECIDE, version, decision=DECISION))
