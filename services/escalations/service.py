"""The taskforce's use cases on escalations: act (with the role rules), then publish a decision.

A decision is in the journal (the outbox) once its transaction commits; it is then produced on
`buurt.decisions` at once, and if the broker is down, `publish_pending` (run by the dashboard's lifespan
every few seconds) produces it later. The escalation's page never waits for the broker.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from services.access.policy import escalation_scope, may_act
from services.broker.errors import BrokerUnavailableError
from services.broker.publisher import Publisher
from services.broker.records import CLOUDEVENTS_JSON, CONTENT_TYPE_HEADER, OutboundRecord
from services.db.errors import in_thread
from services.directory.model import Role, User
from services.directory.sql import SqlDirectoryStore
from services.escalations.commands import Command
from services.escalations.decision_event import TASKFORCE_SOURCE
from services.escalations.errors import ActionForbiddenError, InvalidCommandError
from services.escalations.lifecycle import Action
from services.escalations.lifecycle_sql import Outcome, SqlLifecycleStore
from services.journal.model import JournalRecord
from services.journal.store import JournalStore

log = logging.getLogger(__name__)


class TaskforceService:
    """Applies a user's action to an escalation and publishes the decisions that come of it."""

    def __init__(
        self,
        *,
        lifecycle: SqlLifecycleStore,
        directory: SqlDirectoryStore,
        journal: JournalStore,
        publisher: Publisher | None,
    ) -> None:
        self._lifecycle = lifecycle
        self._directory = directory
        self._journal = journal
        self._publisher = publisher

    async def act(self, user: User, escalation_id: int, command: Command) -> Outcome:
        """Check that `user` may do this, apply it, and publish a decision; raises the lifecycle's errors."""
        if not may_act(user, command.action):
            raise ActionForbiddenError(
                f"the role {user.role.value} may not {command.action.value} escalations"
            )
        if command.action is Action.CONFIRM and user.role is Role.LIAISON and command.org != user.org:
            raise ActionForbiddenError("a liaison confirms only the instructions to their own organisation")
        await self._check_names(command)
        outcome = await in_thread(self._lifecycle.act, escalation_id, escalation_scope(user), command)
        if outcome.outbox is not None:
            await self._publish([outcome.outbox])
        return outcome

    async def publish_pending(self, limit: int = 100) -> int:
        """Produce decisions stored but not yet acknowledged by the broker; how many went out."""
        records = await in_thread(self._journal.pending, TASKFORCE_SOURCE, limit)
        return await self._publish(records) if records else 0

    async def _check_names(self, command: Command) -> None:
        if command.action is Action.ASSIGN:
            assignee = await in_thread(self._directory.user, command.assignee or "")
            if assignee is None or assignee.role is not Role.TASKFORCE:
                raise InvalidCommandError(f"no taskforce member named {command.assignee!r}")
        if command.action is Action.DECIDE and command.decision is not None:
            for org, _ in command.decision.instructions:
                if await in_thread(self._directory.organisation, org) is None:
                    raise InvalidCommandError(f"an instruction names the unknown organisation {org!r}")

    async def _publish(self, records: Sequence[JournalRecord]) -> int:
        if self._publisher is None:
            log.warning("no broker: %d decision(s) wait in the journal", len(records))
            return 0
        outbound = [
            OutboundRecord(
                topic=record.topic,
                key=record.key.encode("utf-8"),
                value=record.record.encode("utf-8"),
                headers=[(CONTENT_TYPE_HEADER, CLOUDEVENTS_JSON)],
            )
            for record in records
        ]
        try:
            await self._publisher.publish(outbound)
        except BrokerUnavailableError as exc:
            log.warning("decision(s) not published yet, kept in the journal: %s", exc)
            return 0
        await in_thread(self._journal.mark_published, TASKFORCE_SOURCE, [r.event_id for r in records])
        return len(records)
