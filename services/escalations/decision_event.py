"""The `taskforce.decision.made` CloudEvent of a decision, and its journal record (the outbox entry).

wijkbrug publishes decisions itself, as source `urn:nl:wijkbrug:org:taskforce`, on `buurt.decisions` keyed
by buurtcode. The record is written to the ingest journal in the same transaction as the decision, so a
decision stored is a decision that will be published, even if the broker is down at that moment.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from schemas.identifiers import source_for
from schemas.timestamps import format_rfc3339
from schemas.validation import validate_event
from services.escalations.commands import DecisionInput
from services.journal.model import JournalRecord

TASKFORCE_SLUG = "taskforce"
DECISION_TYPE = "nl.wijkbrug.taskforce.decision.made"
TASKFORCE_SOURCE = source_for(TASKFORCE_SLUG)


def decision_event(
    *, escalation_id: int, version: int, subject: str, buurt: str, decision: DecisionInput, at: datetime
) -> dict[str, Any]:
    """The decision as a contract-valid CloudEvent; its id names the escalation and the version decided."""
    event: dict[str, Any] = {
        "specversion": "1.0",
        "id": f"decision-{escalation_id}-v{version}",
        "source": TASKFORCE_SOURCE,
        "type": DECISION_TYPE,
        "time": format_rfc3339(at),
        "subject": subject,
        "buurt": buurt,
        "datacontenttype": "application/json",
        "data": {
            "escalation_id": escalation_id,
            "decision": decision.kind,
            "text": decision.text,
            "instructions": [{"org": org, "action": action} for org, action in decision.instructions],
        },
    }
    return validate_event(event, now=at).to_wire()


def decision_record(event: dict[str, Any], topic: str) -> JournalRecord:
    """The journal (outbox) record that puts `event` on `topic`."""
    return JournalRecord.of(
        event, source=TASKFORCE_SOURCE, org_slug=TASKFORCE_SLUG, topic=topic, key=str(event["buurt"])
    )
