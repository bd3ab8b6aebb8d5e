"""The dashboard's test deployment made ready for the figures pages: its escalations opened at known times
before now, with the policies their rules name, and one more escalation that is already resolved.

Afterwards (E = eviction, C = closure, P = permit, R = resolved eviction):
  E  Nieuwe Kerk e.o. (BU0363AD05)  sociaal + woonstad  high    open      2 days ago
  C  Kop Zeedijk (BU0363AE01)       sociaal + politie   high    open     20 days ago
  P  Nieuwe Kerk e.o.               gemeente (ini:)     medium  open     45 days ago
  R  Kop Zeedijk                    sociaal + woonstad  high    resolved 100 days ago
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update

from services.db.models import Escalation
from services.db.types import utcnow
from services.escalations.model import Status
from tests.support.dashboard import OTHER_BUURT, World, escalation, evidence

EVICTION_RULE = "eviction-during-debt-assistance"
CLOSURE_RULE = "house-closure-with-youth-care"
PERMIT_RULE = "initiative-permit-refused"

EVICTION_POLICIES = [
    {"domain": "housing", "reference": "huur-7", "text": "Ontruiming na drie maanden achterstand"},
    {"domain": "social", "reference": "schuld-3", "text": "Schuldhulp vraagt een stabiele woonsituatie"},
]
CLOSURE_POLICIES = [
    {"domain": "safety", "reference": "damocles-13b", "text": "Sluiting na een drugsvondst"},
    {"domain": "social", "reference": "jeugd-2", "text": "Jeugdhulp in het gezin loopt door"},
]
PERMIT_POLICIES = [{"domain": "municipality", "reference": "apv-2.1", "text": "Vergunning binnen acht weken"}]

RESOLVED = escalation(
    EVICTION_RULE,
    "hh:0a1b2c3d4e5f6a7b",
    OTHER_BUURT,
    "Ontruimingsprocedure terwijl schuldhulpverlening loopt",
    "high",
    [
        evidence("sociaal", "social.debt_assistance.started", "sh-9", 1),
        evidence("woonstad", "housing.eviction.summoned", "ev-9", 2),
    ],
)


def prepare_figures(world: World) -> datetime:
    """Give the deployment the escalations above; returns the moment the ages count from."""
    now = utcnow()
    (resolved,) = world.runtime.escalations.apply([RESOLVED]).opened
    changes: list[tuple[int, int, list[dict[str, Any]], Status]] = [
        (world.ids["eviction"], 2, EVICTION_POLICIES, Status.OPEN),
        (world.ids["closure"], 20, CLOSURE_POLICIES, Status.OPEN),
        (world.ids["permit"], 45, PERMIT_POLICIES, Status.OPEN),
        (resolved, 100, EVICTION_POLICIES, Status.RESOLVED),
    ]
    with world.runtime.sessions.begin() as session:
        for escalation_id, days, policies, status in changes:
            session.execute(
                update(Escalation)
                .where(Escalation.id == escalation_id)
                .values(opened_at=now - timedelta(days=days), policies=policies, status=status.value)
            )
    return now
