"""Escalation messages as the rule engine publishes them, for the escalation store's tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from schemas.escalation import EscalationMessage, Evidence, PolicyRef
from schemas.identifiers import Domain, source_for

T0 = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
CENTRUM = "BU0363AD05"
NOORD = "BU0363NA01"

#: The event type and label each organisation's evidence has in these tests.
TYPES = {
    "woco": ("nl.wijkbrug.housing.eviction.summoned", "Dagvaarding ontruiming"),
    "gemeente": ("nl.wijkbrug.social.debt_assistance.started", "Schuldhulp gestart"),
    "politie": ("nl.wijkbrug.safety.enforcement.action", "Handhaving"),
}
POLICY = PolicyRef(domain=Domain.HOUSING, reference="huurbeleid-4.2", text="Ontruiming na dagvaarding")


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


def evidence(event_id: str, org: str, time: datetime) -> Evidence:
    event_type, label = TYPES[org]
    return Evidence(id=event_id, source=source_for(org), org=org, type=event_type, time=time, label_nl=label)


def message(
    dedup_key: str,
    items: Sequence[Evidence],
    *,
    rule: str = "eviction-during-debt-assistance",
    subject: str = "hh:household0001",
    buurt: str = CENTRUM,
    severity: str = "high",
    opened_at: datetime | None = None,
    complete_since: datetime | None = None,
    policies: Sequence[PolicyRef] = (POLICY,),
) -> EscalationMessage:
    """The whole current truth about `dedup_key`; without evidence, a withdrawal."""
    return EscalationMessage.model_validate(
        {
            "dedup_key": dedup_key,
            "rule": rule,
            "title": f"{rule} for {subject}",
            "severity": severity,
            "subject": subject,
            "buurt": buurt,
            "opened_at": opened_at or (max(item.time for item in items) if items else T0),
            "organisations": [item.org for item in items],
            "evidence": list(items),
            "policies": list(policies),
            "emitted_at": T0 + timedelta(days=30),
            "withdrawn": not items,
            "complete_since": complete_since,
        }
    )
