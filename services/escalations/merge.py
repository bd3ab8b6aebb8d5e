"""How an escalation message changes the escalation it is about: one rule for the database and the backtest.

A message is the rule engine's current truth about its dedup key; its evidence is complete for events at
or after `complete_since` (all of them when None). So: every evidence event of the message is current;
a current event that the message no longer names is retracted if it is at or after `complete_since` and
kept if it is older (the engine pruned it and cannot speak for it); the opening time is the message's,
unless an older opening stands outside what the engine still sees. An escalation without any current
evidence is withdrawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from schemas.escalation import Evidence

EvidenceKey = tuple[str, str]


class ClashNews(Protocol):
    """What merge reads of a message: an EscalationMessage, or the rule engine's ClashUpdate."""

    @property
    def dedup_key(self) -> str: ...
    @property
    def rule(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def severity(self) -> str: ...
    @property
    def subject(self) -> str: ...
    @property
    def buurt(self) -> str: ...
    @property
    def opened_at(self) -> datetime: ...
    @property
    def evidence(self) -> Sequence[Evidence]: ...
    @property
    def withdrawn(self) -> bool: ...
    @property
    def complete_since(self) -> datetime | None: ...


@dataclass(slots=True)
class Clash:
    """An escalation as far as the rule engine is concerned (the taskforce's work is kept elsewhere)."""

    dedup_key: str
    rule: str
    title: str
    severity: str
    subject: str
    buurt: str
    opened_at: datetime
    evidence: dict[EvidenceKey, Evidence] = field(default_factory=dict)
    withdrawn: bool = False

    @property
    def organisations(self) -> list[str]:
        return sorted({item.org for item in self.evidence.values()})

    def sorted_evidence(self) -> list[Evidence]:
        return sorted(self.evidence.values(), key=lambda item: (item.time, item.id))


@dataclass(frozen=True)
class Change:
    """What a message changed."""

    clash: Clash
    opened: bool
    added: tuple[EvidenceKey, ...]
    retracted: tuple[EvidenceKey, ...]
    opened_at_changed: bool
    withdrawn_changed: bool

    @property
    def changed(self) -> bool:
        return (
            self.opened
            or bool(self.added or self.retracted)
            or self.opened_at_changed
            or self.withdrawn_changed
        )


def key_of(item: Evidence) -> EvidenceKey:
    return (item.org, item.id)


def merge(existing: Clash | None, message: ClashNews) -> Change:
    """The clash after `message`, and what changed."""
    named = {(item.org, item.id): item for item in message.evidence}
    if existing is None:
        return Change(
            clash=Clash(
                dedup_key=message.dedup_key,
                rule=message.rule,
                title=message.title,
                severity=message.severity,
                subject=message.subject,
                buurt=message.buurt,
                opened_at=message.opened_at,
                evidence=named,
                withdrawn=not named,
            ),
            opened=True,
            added=tuple(named),
            retracted=(),
            opened_at_changed=False,
            withdrawn_changed=False,
        )
    before = existing.evidence
    horizon = message.complete_since
    evidence = dict(named)
    if horizon is not None:
        for key, item in before.items():
            if key not in named and item.time < horizon:
                evidence[key] = item
    retracted = tuple(key for key in before if key not in evidence)
    added = tuple(key for key in named if key not in before)
    withdrawn = not evidence
    if horizon is not None and existing.opened_at < horizon:
        opened_at = existing.opened_at if message.withdrawn else min(existing.opened_at, message.opened_at)
    elif message.withdrawn:
        opened_at = existing.opened_at
    else:
        opened_at = message.opened_at
    clash = Clash(
        dedup_key=message.dedup_key,
        rule=message.rule,
        title=message.title,
        severity=message.severity,
        subject=message.subject,
        buurt=existing.buurt if message.withdrawn else message.buurt,
        opened_at=opened_at,
        evidence=evidence,
        withdrawn=withdrawn,
    )
    return Change(
        clash=clash,
        opened=False,
        added=added,
        retracted=retracted,
        opened_at_changed=existing.opened_at != opened_at,
        withdrawn_changed=existing.withdrawn != withdrawn,
    )


class ClashMirror:
    """Escalations in memory, kept by the same rule as the database (the backtest's sink)."""

    def __init__(self) -> None:
        self.clashes: dict[str, Clash] = {}

    def apply(self, message: ClashNews) -> Change:
        change = merge(self.clashes.get(message.dedup_key), message)
        if change.opened and change.clash.withdrawn:
            return change  # a withdrawal of something never seen: nothing to keep
        self.clashes[message.dedup_key] = change.clash
        return change

    def absorb(self, message: ClashNews) -> None:
        """`apply`, without reporting what changed (the replay's hot path)."""
        existing = self.clashes.get(message.dedup_key)
        if existing is None and message.complete_since is None:
            if message.withdrawn:
                return
            self.clashes[message.dedup_key] = Clash(
                dedup_key=message.dedup_key,
                rule=message.rule,
                title=message.title,
                severity=message.severity,
                subject=message.subject,
                buurt=message.buurt,
                opened_at=message.opened_at,
                evidence={(item.org, item.id): item for item in message.evidence},
            )
            return
        self.apply(message)

    def active(self) -> list[Clash]:
        """Every clash that stands, by dedup key."""
        return sorted(
            (clash for clash in self.clashes.values() if not clash.withdrawn), key=lambda c: c.dedup_key
        )
