"""The rule engine: applies a subject's new fact to its state and says which escalations to emit.

Pure and clock-free: the faust processor (live) and `wijkbrug rules backtest` (replay) run this same code,
so both find the same escalations for the same events, whatever the order they arrive in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from types import SimpleNamespace

from schemas.catalogue import CATALOGUE
from schemas.escalation import EscalationMessage, Evidence, PolicyRef
from schemas.identifiers import subject_kind
from services.rules.facts import Fact, SubjectEvent, from_micros
from services.rules.kinds import overlap
from services.rules.kinds.match import Match
from services.rules.model import RuleSpec
from services.rules.state import SubjectState


class RuleEngine:
    """Evaluates a rule pack per subject."""

    def __init__(self, rules: Sequence[RuleSpec]) -> None:
        self.rules = tuple(rules)
        self._by_type: dict[str, list[RuleSpec]] = defaultdict(list)
        for rule in self.rules:
            for event_type in rule.event_types():
                self._by_type[event_type].append(rule)

    def interested(self, event_type: str) -> bool:
        """Whether any rule looks at this event type (others need no state at all)."""
        return event_type in self._by_type

    def apply(
        self, state: SubjectState, event: SubjectEvent, *, emitted_at: datetime
    ) -> tuple[bool, list[EscalationMessage]]:
        """Add `event` to `state` (in place); returns whether the state changed and the escalations to emit.

        An event that no rule looks at, or that the state holds already (a replay), changes nothing.
        """
        rules = self._by_type.get(event.fact.type)
        if not rules or not state.insert(event.fact):
            return False, []
        kind = subject_kind(event.subject)
        messages: list[EscalationMessage] = []
        for rule in rules:
            if kind not in rule.subjects:
                continue
            for match in _evaluate(rule, state.facts):
                message = self._emit(rule, event.subject, match, state, emitted_at)
                if message is not None:
                    messages.append(message)
        return True, messages

    def _emit(
        self, rule: RuleSpec, subject: str, match: Match, state: SubjectState, emitted_at: datetime
    ) -> EscalationMessage | None:
        latest = match.evidence[-1]
        dedup_key = rule.dedup_key.format(
            rule=rule.id, subject=subject, buurt=latest.buurt, data=SimpleNamespace(**match.key_data)
        )
        keys = {fact.key for fact in match.evidence}
        already = state.emitted.get(dedup_key, set())
        if keys <= already:
            return None
        state.emitted[dedup_key] = already | keys
        return EscalationMessage(
            dedup_key=dedup_key,
            rule=rule.id,
            title=rule.title,
            severity=rule.severity,
            subject=subject,
            buurt=latest.buurt,
            opened_at=from_micros(match.opened_at),
            organisations=sorted({fact.org for fact in match.evidence}),
            evidence=[_evidence(fact) for fact in match.evidence],
            policies=[
                PolicyRef(domain=policy.domain, reference=policy.reference, text=policy.text)
                for policy in rule.policies
            ],
            emitted_at=emitted_at,
        )


def _evaluate(rule: RuleSpec, facts: Sequence[Fact]) -> list[Match]:
    return overlap.evaluate(rule.pattern, facts)


def _evidence(fact: Fact) -> Evidence:
    event_type = CATALOGUE.get(fact.type)
    return Evidence(
        id=fact.id,
        source=fact.source,
        org=fact.org,
        type=fact.type,
        time=from_micros(fact.t),
        label_nl=event_type.label_nl if event_type else fact.type,
    )
