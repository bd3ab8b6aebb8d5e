"""Silences as SQL conditions: the active ones at a moment, and whether an escalation is under one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, or_

from services.db.models import Escalation, SilenceRow


def active_condition(now: datetime) -> ColumnElement[bool]:
    """Silences that mute at `now`: not expired early and not yet ended."""
    return and_(SilenceRow.expired_at.is_(None), SilenceRow.ends_at > now)


def silenced_condition(now: datetime) -> ColumnElement[bool]:
    """Escalations covered by an active silence of their rule, on their subject or their buurt."""
    return exists().where(
        SilenceRow.rule == Escalation.rule,
        or_(SilenceRow.subject == Escalation.subject, SilenceRow.buurt == Escalation.buurt),
        active_condition(now),
    )
