"""The escalation lifecycle on SQLAlchemy: one transaction per action, optimistic locking on `version`.

A status change names the version the user saw; the update matches only that version, so of two users
deciding at once one wins and the other gets VersionConflictError (nothing is overwritten). Each action
writes its history row and its audit entry in the same transaction; a decision also writes its
`taskforce.decision.made` record into the ingest journal (the outbox), so it cannot be stored and lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from services.db.models import AuditRow, Escalation, HistoryRow, JournalEntry
from services.db.types import utcnow
from services.db.upsert import insert_ignoring_conflicts
from services.escalations.commands import Command
from services.escalations.decision_event import decision_event, decision_record
from services.escalations.errors import (
    EscalationNotFoundError,
    InvalidCommandError,
    VersionConflictError,
)
from services.escalations.lifecycle import VERSIONED, Action, next_status
from services.escalations.model import Scope, Status
from services.escalations.sql import scope_conditions
from services.journal.model import JournalRecord
from services.journal.sql import journal_values


@dataclass(frozen=True)
class Outcome:
    """What an action did: the new version and status, and the decision's outbox record if any."""

    escalation_id: int
    version: int
    status: Status
    outbox: JournalRecord | None = None


class SqlLifecycleStore:
    """Applies users' actions to escalations."""

    def __init__(self, sessions: sessionmaker[Session], *, decisions_topic: str) -> None:
        self._sessions = sessions
        self._decisions_topic = decisions_topic

    def act(self, escalation_id: int, scope: Scope, command: Command) -> Outcome:
        """Apply `command` to the escalation (within `scope`), or raise without changing anything."""
        now = utcnow()
        with self._sessions.begin() as session:
            row = session.scalar(
                select(Escalation).where(Escalation.id == escalation_id, *scope_conditions(scope))
            )
            if row is None:
                raise EscalationNotFoundError(f"no escalation {escalation_id} that you may see")
            current = Status(row.status)
            versioned = command.action in VERSIONED
            if versioned and command.version != row.version:
                raise _conflict(row, command)
            target = next_status(current, command.action)
            values, detail, outbox = self._change(row, command, now)
            values["updated_at"] = now
            if target is not current:
                values["status"] = target.value
            if versioned:
                values["version"] = row.version + 1
            result = session.execute(
                update(Escalation)
                .where(Escalation.id == row.id, Escalation.version == row.version)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                raise _conflict(row, command)
            session.add(
                HistoryRow(
                    escalation_id=row.id,
                    at=now,
                    actor=command.actor,
                    action=command.action.value,
                    from_status=current.value,
                    to_status=target.value,
                    text=command.text if command.action is not Action.DECIDE else None,
                    detail=detail,
                )
            )
            session.add(
                AuditRow(
                    at=now,
                    actor=command.actor,
                    role=command.role,
                    action=f"escalation.{command.action.value}",
                    target=f"escalation:{row.id}",
                    detail={"from": current.value, "to": target.value, **detail},
                )
            )
            if outbox is not None:
                insert_ignoring_conflicts(
                    session,
                    JournalEntry.__table__,  # type: ignore[arg-type]
                    [journal_values(outbox, now, None)],
                    ("source", "event_id"),
                )
            return Outcome(row.id, int(values.get("version", row.version)), target, outbox)

    def _change(
        self, row: Escalation, command: Command, now: datetime
    ) -> tuple[dict[str, Any], dict[str, Any], JournalRecord | None]:
        """The column values, the history detail and the outbox record of one action."""
        action = command.action
        if action is Action.ACKNOWLEDGE:
            return {"acknowledged_at": now}, {}, None
        if action is Action.ASSIGN:
            if not command.assignee:
                raise InvalidCommandError("assign needs an assignee")
            values: dict[str, Any] = {"assignee": command.assignee}
            if row.acknowledged_at is None:
                values["acknowledged_at"] = now
            return values, {"assignee": command.assignee, "previous": row.assignee}, None
        if action is Action.DECIDE:
            decision = command.decision
            if decision is None:
                raise InvalidCommandError("decide needs a decision")
            event = decision_event(
                escalation_id=row.id,
                version=row.version + 1,
                subject=row.subject,
                buurt=row.buurt,
                decision=decision,
                at=now,
            )
            stored = {
                "kind": decision.kind,
                "text": decision.text,
                "instructions": [
                    {"org": org, "action": text, "done_at": None, "done_by": None}
                    for org, text in decision.instructions
                ],
                "decided_by": command.actor,
                "decided_at": now.isoformat(),
                "event_id": event["id"],
            }
            detail = {"decision": decision.kind, "instructions": [org for org, _ in decision.instructions]}
            values = {"decision": stored, "decided_at": now}
            return values, {**detail, "text": decision.text}, decision_record(event, self._decisions_topic)
        if action is Action.RESOLVE:
            return {"resolved_at": now}, {}, None
        if action is Action.REOPEN:
            return {"resolved_at": None, "reopened_at": now}, {}, None
        if action is Action.CONFIRM:
            return _confirm(row, command, now), {"org": command.org}, None
        return {}, {}, None  # a comment: the history row is the change


def _confirm(row: Escalation, command: Command, now: datetime) -> dict[str, Any]:
    decision = dict(row.decision or {})
    instructions = [dict(item) for item in decision.get("instructions", [])]
    matching = [item for item in instructions if item.get("org") == command.org]
    if not matching:
        raise InvalidCommandError(f"the decision has no instruction for organisation {command.org!r}")
    for item in matching:
        if item.get("done_at") is None:
            item["done_at"] = now.isoformat()
            item["done_by"] = command.actor
    decision["instructions"] = instructions
    return {"decision": decision}


def _conflict(row: Escalation, command: Command) -> VersionConflictError:
    return VersionConflictError(
        f"escalation {row.id} was changed by someone else since you loaded it (you had version "
        f"{command.version}, it is now at version {row.version} with status {row.status}); "
        "reload it and try again",
        details=[{"id": row.id, "version": row.version, "status": row.status}],
    )
