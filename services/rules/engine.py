"""The rule engine: a subject's facts in, the current state of its clashes out, the same live and in replay.

The engine is pure and takes its clock as an argument: the faust processor passes the wall clock, the
backtest the replayed event time. A rule's matches are a function of the subject's facts (kept in event
-time order) and that clock only, so they do not depend on the order in which events arrive. After each
change the engine compares the matches with what it published before and publishes the difference: a new
or changed clash as an escalation message with its whole evidence, a clash that no longer holds (a late
event shows it never happened) as a withdrawal.

State stays bounded: an event more than `allowed_lateness` (at least the longest rule window) older than
the subject's newest is ignored;
facts that no rule can still use (older than the newest minus the lateness and the longest window, and
not the start of a state that is still active) are dropped, and the messages then say from when their
evidence is complete; a subject that has been quiet for `idle_ttl` with nothing pending is forgotten.
"""

from __future__ import annotations

import functools
import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace

from schemas.catalogue import CATALOGUE
from schemas.escalation import EscalationMessage, Evidence, PolicyRef
from schemas.identifiers import SubjectKind, subject_kind
from services.rules.facts import Fact, SubjectEvent, from_micros, micros
from services.rules.kinds.absence import AbsenceEvaluator
from services.rules.kinds.distinct import DistinctEvaluator
from services.rules.kinds.match import Evaluator, Match
from services.rules.kinds.overlap import OverlapEvaluator
from services.rules.kinds.pair import PairEvaluator
from services.rules.kinds.single import SingleEvaluator
from services.rules.matchers import ConditionCache
from services.rules.model import (
    AbsencePattern,
    DistinctPattern,
    OverlapPattern,
    PairPattern,
    RuleSpec,
    SinglePattern,
    longest_window,
)
from services.rules.state import SubjectState

DEFAULT_ALLOWED_LATENESS = timedelta(days=90)
DEFAULT_IDLE_TTL = timedelta(days=400)
WITHDRAWN = "withdrawn"


@dataclass
class Outcome:
    """What applying an event (or the clock) did to a subject."""

    changed: bool = False
    messages: list[EscalationMessage] = field(default_factory=list)
    wakeup: int | None = None
    expired: bool = False
    too_late: bool = False
    duplicate: bool = False


class PatternGroup:
    """Rules that share a pattern (the same signature): evaluated once, published per rule."""

    def __init__(self, evaluator: Evaluator, rules: Sequence[RuleSpec]) -> None:
        self.evaluator = evaluator
        self.rules = tuple(rules)
        self.subjects: frozenset[SubjectKind] = frozenset(rules[0].subjects)
        self.template = rules[0].dedup_key
        self.key = rules[0].id


def compile_pattern(rule: RuleSpec, cache: ConditionCache) -> Evaluator:
    """The evaluator of a rule's pattern."""
    pattern = rule.pattern
    if isinstance(pattern, OverlapPattern):
        return OverlapEvaluator(pattern, cache)
    if isinstance(pattern, PairPattern):
        return PairEvaluator(pattern, cache)
    if isinstance(pattern, DistinctPattern):
        return DistinctEvaluator(pattern, cache)
    if isinstance(pattern, AbsencePattern):
        return AbsenceEvaluator(pattern, cache)
    if isinstance(pattern, SinglePattern):
        return SingleEvaluator(pattern, cache)
    raise TypeError(f"unknown pattern kind {pattern!r}")  # pragma: no cover - the model allows no other


class RuleEngine:
    """Evaluates a rule pack per subject."""

    def __init__(
        self,
        rules: Sequence[RuleSpec],
        *,
        allowed_lateness: timedelta = DEFAULT_ALLOWED_LATENESS,
        idle_ttl: timedelta = DEFAULT_IDLE_TTL,
    ) -> None:
        self.rules = tuple(rules)
        self.allowed_lateness = micros(allowed_lateness)
        self.idle_ttl = micros(idle_ttl)
        cache = ConditionCache()
        by_signature: dict[str, list[RuleSpec]] = defaultdict(list)
        for rule in self.rules:
            by_signature[rule.signature()].append(rule)
        self.groups = tuple(
            PatternGroup(compile_pattern(members[0], cache), members) for members in by_signature.values()
        )
        self._by_type: dict[str, list[PatternGroup]] = defaultdict(list)
        for group in self.groups:
            for event_type in group.evaluator.types:
                self._by_type[event_type].append(group)
        self._clocked = tuple(group for group in self.groups if group.evaluator.clocked)
        self._rule_group = {rule.id: group for group in self.groups for rule in group.rules}
        self.data_fields: frozenset[str] = frozenset(
            name for group in self.groups for name in group.evaluator.fields
        )
        longest = max((micros(longest_window(rule)) for rule in self.rules), default=0)
        # An event that arrives out of order within a rule's window is always handled.
        self.allowed_lateness = max(self.allowed_lateness, longest)
        self.retention = self.allowed_lateness + longest
        # idle_ttl should not be shorter than the retention: a forgotten subject forgets what it
        # published, and a late event could no longer withdraw it (the defaults: 400 days against 360).

    def interested(self, event_type: str) -> bool:
        """Whether any rule looks at this event type (others need no state at all)."""
        return event_type in self._by_type

    # --- applying events and the clock ----------------------------------------------------------

    def apply(self, state: SubjectState, event: SubjectEvent, *, clock: int, emitted_at: datetime) -> Outcome:
        """Add `event` to `state` (in place) and evaluate the rules that look at it (and the clocked ones)."""
        fact = event.fact
        groups = self._by_type.get(fact.type)
        if not groups:
            return Outcome()
        if state.facts and fact.t < state.latest - self.allowed_lateness:
            return Outcome(too_late=True, wakeup=self.wakeup(state, clock))
        if not state.insert(fact):
            return Outcome(wakeup=self.wakeup(state, clock), duplicate=True)
        state.touched = max(state.touched, clock)
        kind = subject_kind(event.subject)
        messages = self._evaluate(state, event.subject, kind, groups, clock, emitted_at)
        self._prune(state)
        return Outcome(changed=True, messages=messages, wakeup=self.wakeup(state, clock))

    def republish(
        self, state: SubjectState, subject: str, *, clock: int, emitted_at: datetime
    ) -> list[EscalationMessage]:
        """Everything published about the subject, again, without changing the state.

        For an event that comes back after a crash: its state may have been saved while the messages it
        caused were not yet delivered; the sink's merge makes the repeat harmless.
        """
        kind = subject_kind(subject)
        messages: list[EscalationMessage] = []
        for group in self.groups:
            if kind not in group.subjects:
                continue
            matches = group.evaluator.evaluate(state.facts, clock)[0]
            for rule in group.rules:
                published = {key for key, (rule_id, _) in state.emitted.items() if rule_id == rule.id}
                for match in matches:
                    dedup_key = self._dedup_key(rule, subject, match)
                    if dedup_key in published:
                        messages.append(self._message(state, rule, subject, dedup_key, match, emitted_at))
                        published.discard(dedup_key)
                messages.extend(
                    self._withdrawal(state, rule, subject, key, emitted_at) for key in sorted(published)
                )
        return messages

    def advance(self, state: SubjectState, subject: str, *, clock: int, emitted_at: datetime) -> Outcome:
        """Let the clock reach `clock`: conclude absences whose deadline passed, forget an idle subject."""
        kind = subject_kind(subject)
        messages = self._evaluate(state, subject, kind, self._clocked, clock, emitted_at)
        idle = clock - state.touched >= self.idle_ttl
        if idle and self._deadline(state, clock) is None and not self._holds_open_state(state, clock):
            return Outcome(changed=True, messages=messages, expired=True)
        return Outcome(changed=bool(messages), messages=messages, wakeup=self.wakeup(state, clock))

    def wakeup(self, state: SubjectState, clock: int) -> int | None:
        """When the subject next needs the clock: a pending deadline, or the end of its idle time."""
        deadline = self._deadline(state, clock)
        if not state.facts:
            return deadline
        idle_end = state.touched + self.idle_ttl
        if idle_end <= clock:
            # Idle already: expire at the next moment, unless a deadline or an open state holds the
            # subject; then only that deadline (or a new event) can change anything.
            if deadline is not None or self._holds_open_state(state, clock):
                return deadline
            idle_end = clock + 1
        return idle_end if deadline is None else min(deadline, idle_end)

    def _deadline(self, state: SubjectState, clock: int) -> int | None:
        # Deadlines at or before the clock are due: the subject needs the clock now (a deadline at
        # exactly the moment of another rule's event, or one that passed while the processor was down).
        return min(state.deadlines.values()) if state.deadlines else None

    # --- internals ---------------------------------------------------------------------------------

    def _evaluate(
        self,
        state: SubjectState,
        subject: str,
        kind: SubjectKind,
        groups: Sequence[PatternGroup],
        clock: int,
        emitted_at: datetime,
    ) -> list[EscalationMessage]:
        messages: list[EscalationMessage] = []
        for group in groups:
            if kind not in group.subjects:
                continue
            matches, deadline = group.evaluator.evaluate(state.facts, clock)
            if deadline is not None:
                state.deadlines[group.key] = deadline
            else:
                state.deadlines.pop(group.key, None)
            for rule in group.rules:
                messages.extend(self._diff(state, rule, subject, matches, emitted_at))
        return messages

    def _diff(
        self, state: SubjectState, rule: RuleSpec, subject: str, matches: list[Match], emitted_at: datetime
    ) -> list[EscalationMessage]:
        messages: list[EscalationMessage] = []
        current: set[str] = set()
        for match in matches:
            dedup_key = self._dedup_key(rule, subject, match)
            current.add(dedup_key)
            digest = _digest(match)
            if state.emitted.get(dedup_key) == (rule.id, digest):
                continue
            state.emitted[dedup_key] = (rule.id, digest)
            messages.append(self._message(state, rule, subject, dedup_key, match, emitted_at))
        for dedup_key, (rule_id, digest) in list(state.emitted.items()):
            if rule_id == rule.id and dedup_key not in current and digest != WITHDRAWN:
                state.emitted[dedup_key] = (rule_id, WITHDRAWN)
                messages.append(self._withdrawal(state, rule, subject, dedup_key, emitted_at))
        return messages

    @staticmethod
    def _dedup_key(rule: RuleSpec, subject: str, match: Match) -> str:
        return rule.dedup_key.format(
            rule=rule.id,
            subject=subject,
            buurt=match.evidence[-1].buurt,
            data=SimpleNamespace(**match.key_data),
        )

    def _message(
        self,
        state: SubjectState,
        rule: RuleSpec,
        subject: str,
        dedup_key: str,
        match: Match,
        emitted_at: datetime,
    ) -> EscalationMessage:
        # Built from validated rules and facts: construct without validating again (the hot path).
        return EscalationMessage.model_construct(
            dedup_key=dedup_key,
            rule=rule.id,
            title=rule.title,
            severity=rule.severity,
            subject=subject,
            buurt=match.evidence[-1].buurt,
            opened_at=from_micros(match.opened_at),
            organisations=sorted({fact.org for fact in match.evidence}),
            evidence=sorted(
                (_evidence(fact) for fact in match.evidence), key=lambda item: (item.time, item.id)
            ),
            policies=_policies(rule),
            emitted_at=emitted_at,
            withdrawn=False,
            complete_since=from_micros(state.complete_since) if state.complete_since is not None else None,
        )

    def _withdrawal(
        self, state: SubjectState, rule: RuleSpec, subject: str, dedup_key: str, emitted_at: datetime
    ) -> EscalationMessage:
        newest = state.facts[-1] if state.facts else None
        return EscalationMessage(
            dedup_key=dedup_key,
            rule=rule.id,
            title=rule.title,
            severity=rule.severity,
            subject=subject,
            buurt=newest.buurt if newest else "BU00000000",
            opened_at=from_micros(newest.t if newest else state.touched),
            organisations=[],
            evidence=[],
            policies=_policies(rule),
            emitted_at=emitted_at,
            withdrawn=True,
            complete_since=from_micros(state.complete_since) if state.complete_since is not None else None,
        )

    def _prune(self, state: SubjectState) -> None:
        cutoff = state.latest - self.retention
        if not state.facts or state.facts[0].t >= cutoff:
            return
        keep: set[tuple[str, str]] = set()
        for group in self.groups:
            keep |= group.evaluator.keep(state.facts, cutoff)
        state.facts = [fact for fact in state.facts if fact.t >= cutoff or fact.key in keep]
        state.complete_since = cutoff if state.complete_since is None else max(state.complete_since, cutoff)

    def _holds_open_state(self, state: SubjectState, clock: int) -> bool:
        # What the rules would keep of facts that all lie before the clock: a state still active after it.
        cutoff = max(state.latest, clock) + 1
        return any(group.evaluator.keep(state.facts, cutoff) for group in self.groups)


def _digest(match: Match) -> str:
    text = f"{match.opened_at}|" + "|".join(f"{fact.org}/{fact.id}" for fact in match.evidence)
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def _evidence(fact: Fact) -> Evidence:
    event_type = CATALOGUE.get(fact.type)
    return Evidence.model_construct(
        id=fact.id,
        source=fact.source,
        org=fact.org,
        type=fact.type,
        time=from_micros(fact.t),
        label_nl=event_type.label_nl if event_type else fact.type,
    )


@functools.lru_cache(maxsize=1024)
def _rule_policies(rule: RuleSpec) -> tuple[PolicyRef, ...]:
    return tuple(PolicyRef(domain=p.domain, reference=p.reference, text=p.text) for p in rule.policies)


def _policies(rule: RuleSpec) -> list[PolicyRef]:
    return list(_rule_policies(rule))
