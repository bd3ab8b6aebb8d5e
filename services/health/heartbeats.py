"""Heartbeats: each background component instance writes its state every few seconds.

The gateway is stateless and may run on another machine than the processor and the sink, so readiness
travels through the database that they all share.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from services.db.models import Heartbeat
from services.db.types import utcnow

READY = "ready"
STARTING = "starting"
STOPPED = "stopped"
FORGET_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class ComponentState:
    """The freshest state of one component instance."""

    component: str
    instance: str
    state: str
    detail: Mapping[str, Any]
    updated_at: datetime


class SqlHeartbeatStore:
    """Heartbeats in the `component_heartbeats` table."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def beat(
        self, component: str, instance: str, state: str, detail: Mapping[str, Any] | None = None
    ) -> None:
        with self._sessions.begin() as session:
            row = session.get(Heartbeat, (component, instance))
            if row is None:
                row = Heartbeat(component=component, instance=instance)
                session.add(row)
            row.state = state
            row.detail = dict(detail or {})
            row.updated_at = utcnow()
            # Instances that died without saying goodbye leave a row behind; forget them after a day.
            session.execute(delete(Heartbeat).where(Heartbeat.updated_at < row.updated_at - FORGET_AFTER))

    def remove(self, component: str, instance: str) -> None:
        with self._sessions.begin() as session:
            session.execute(
                delete(Heartbeat).where(Heartbeat.component == component, Heartbeat.instance == instance)
            )

    def fresh(self, stale_after: timedelta) -> list[ComponentState]:
        """Every instance that beat within `stale_after`."""
        cutoff = utcnow() - stale_after
        with self._sessions() as session:
            rows = session.scalars(select(Heartbeat).where(Heartbeat.updated_at >= cutoff)).all()
            return [
                ComponentState(
                    component=row.component,
                    instance=row.instance,
                    state=row.state,
                    detail=row.detail,
                    updated_at=row.updated_at,
                )
                for row in rows
            ]
