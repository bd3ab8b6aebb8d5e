"""Value objects of silences."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class SilenceDraft:
    """What a user asks to mute: one rule for one subject or one buurt, until `ends_at`, and why."""

    rule: str
    reason: str
    ends_at: datetime
    subject: str | None = None
    buurt: str | None = None


@dataclass(frozen=True)
class Silence:
    """A stored silence; it ends by itself at `ends_at`, or earlier when someone expires it."""

    id: int
    rule: str
    subject: str | None
    buurt: str | None
    reason: str
    created_by: str
    created_at: datetime
    ends_at: datetime
    expired_at: datetime | None = None
    expired_by: str | None = None

    def active_at(self, now: datetime) -> bool:
        """Whether the silence mutes its escalations at `now`."""
        return self.expired_at is None and self.ends_at > now

    def ended_at(self, now: datetime) -> datetime | None:
        """When the silence stopped muting (expired early, or ran out), or None while it is active."""
        if self.expired_at is not None:
            return self.expired_at
        return self.ends_at if self.ends_at <= now else None

    def matches(self, rule: str, subject: str, buurt: str) -> bool:
        """Whether the silence covers an escalation of `rule` on `subject` in `buurt`."""
        if rule != self.rule:
            return False
        return subject == self.subject if self.subject is not None else buurt == self.buurt


def silenced_until(silences: list[Silence], rule: str, subject: str, buurt: str) -> datetime | None:
    """The latest end of the given (active) silences that cover the escalation, or None."""
    ends = [silence.ends_at for silence in silences if silence.matches(rule, subject, buurt)]
    return max(ends) if ends else None
