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

import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import cast

from schemas.catalogue import CATALOGUE
from schemas.escalation import Evidence, PolicyRef
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
from services.rules.publication import ClashUpdate
from services.rules.state import SubjectState

DEFAULT_ALLOWED_LATENESS = timedelta(days=90)
DEFAULT_IDLE_TTL = timedelta(days=400)
WITHDRAWN = "withdrawn"
DEFAULT_DEDUP_KEY = "{rule}:{subject}"
MATCH_KEY_SEPARATOR = "|"


@dataclass
class Outcome:
    """What applying an event (or the clock) did to a subject."""

    changed: bool = False
    messages: list[ClashUpdate] = field(default_factory=list)
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
        self.prefix = self.key + MATCH_KEY_SEPARATOR


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
        self._policies = {rule.id: _policies(rule) for rule in self.rules}
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
    ) -> list[ClashUpdate]:
        """Everything published about the subject, again, without changing the state.

        For an event that comes back after a crash: its state may have been saved while the messages it
        caused were not yet delivered; the sink's merge makes the repeat harmless.
        """
        kind = subject_kind(subject)
        messages: list[ClashUpdate] = []
        for group in self.groups:
            if kind not in group.subjects:
                continue
            found = {
                self._match_key(group, item.match): item
                for item in (_Found(match) for match in group.evaluator.evaluate(state.facts, clock)[0])
            }
            for match_key, (digest, keys) in sorted(state.emitted.items()):
                if not match_key.startswith(group.prefix):
                    continue
                item = found.get(match_key)
                for rule in group.rules:
                    if rule.id not in keys:
                        continue
                    if item is not None and digest != WITHDRAWN:
                        messages.append(self._message(state, rule, subject, keys[rule.id], item, emitted_at))
                    elif digest == WITHDRAWN:
                        messages.append(self._withdrawal(state, rule, subject, keys[rule.id], emitted_at))
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
    ) -> list[ClashUpdate]:
        messages: list[ClashUpdate] = []
        published = {
            key.partition(MATCH_KEY_SEPARATOR)[0]
            for key, (digest, _) in state.emitted.items()
            if digest != WITHDRAWN
        }
        for group in groups:
            if kind not in group.subjects:
                continue
            matches, deadline = group.evaluator.evaluate(state.facts, clock)
            if deadline is not None:
                state.deadlines[group.key] = deadline
            else:
                state.deadlines.pop(group.key, None)
            if matches or group.key in published:
                messages.extend(self._diff(state, group, subject, matches, emitted_at))
        return messages

    def _diff(
        self,
        state: SubjectState,
        group: PatternGroup,
        subject: str,
        matches: list[Match],
        emitted_at: datetime,
    ) -> list[ClashUpdate]:
        """Publish what changed for the pattern's matches, under every rule that shares the pattern.

        What was published is kept per match of the pattern (its digest and each rule's dedup key), so an
        unchanged match costs one comparison however many rules share the pattern.
        """
        messages: list[ClashUpdate] = []
        current: set[str] = set()
        for match in matches:
            match_key = self._match_key(group, match)
            current.add(match_key)
            item = _Found(match)
            known = state.emitted.get(match_key)
            if known is not None and known[0] == item.digest:
                continue
            keys = {rule.id: self._dedup_key(rule, subject, match) for rule in group.rules}
            if known is not None and known[0] != WITHDRAWN:
                # A dedup key that depends on the evidence (e.g. {buurt}) may have moved: withdraw the old.
                for rule in group.rules:
                    old = known[1].get(rule.id)
                    if old is not None and old != keys[rule.id]:
                        messages.append(self._withdrawal(state, rule, subject, old, emitted_at))
            state.emitted[match_key] = (item.digest, keys)
            messages.extend(
                self._message(state, rule, subject, keys[rule.id], item, emitted_at) for rule in group.rules
            )
        for match_key, (digest, keys) in list(state.emitted.items()):
            if digest == WITHDRAWN or match_key in current or not match_key.startswith(group.prefix):
                continue
            state.emitted[match_key] = (WITHDRAWN, keys)
            messages.extend(
                self._withdrawal(state, rule, subject, keys[rule.id], emitted_at)
                for rule in group.rules
                if rule.id in keys
            )
        return messages

    @staticmethod
    def _match_key(group: PatternGroup, match: Match) -> str:
        if not match.key_data:
            return group.prefix
        return group.prefix + json.dumps(match.key_data, sort_keys=True, separators=(",", ":"))

    def _dedup_key(self, rule: RuleSpec, subject: str, match: Match) -> str:
        if rule.dedup_key == DEFAULT_DEDUP_KEY:
            return f"{rule.id}:{subject}"
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
        item: _Found,
        emitted_at: datetime,
    ) -> ClashUpdate:
        match = item.match
        # Built from validated rules and facts: construct without validating again (the hot path); the
        # evidence is built once per match and shared by the rules that share the pattern.
        return ClashUpdate(
            dedup_key=dedup_key,
            rule=rule.id,
            title=rule.title,
            severity=rule.severity,
            subject=subject,
            buurt=match.evidence[-1].buurt,
            opened_at=item.opened_at,
            organisations=item.organisations,
            evidence=item.evidence,
            policies=self._policies[rule.id],
            emitted_at=emitted_at,
            withdrawn=False,
            complete_since=from_micros(state.complete_since) if state.complete_since is not None else None,
        )

    def _withdrawal(
        self, state: SubjectState, rule: RuleSpec, subject: str, dedup_key: str, emitted_at: datetime
    ) -> ClashUpdate:
        newest = state.facts[-1] if state.facts else None
        return ClashUpdate(
            dedup_key=dedup_key,
            rule=rule.id,
            title=rule.title,
            severity=rule.severity,
            subject=subject,
            buurt=newest.buurt if newest else "BU00000000",
            opened_at=from_micros(newest.t if newest else state.touched),
            organisations=[],
            evidence=[],
            policies=self._policies[rule.id],
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


class _Found:
    """A match of a pattern, with what its messages need, computed once for every rule of the pattern."""

    __slots__ = ("_evidence", "_organisations", "digest", "match", "opened_at")

    def __init__(self, match: Match) -> None:
        self.match = match
        self.digest = _digest(match)
        self.opened_at = from_micros(match.opened_at)
        self._evidence: list[Evidence] | None = None
        self._organisations: list[str] | None = None

    @property
    def evidence(self) -> list[Evidence]:
        if self._evidence is None:
            self._evidence = sorted(
                (_evidence(fact) for fact in self.match.evidence), key=lambda e: (e.time, e.id)
            )
        return self._evidence

    @property
    def organisations(self) -> list[str]:
        if self._organisations is None:
            self._organisations = sorted({fact.org for fact in self.match.evidence})
        return self._organisations


def _digest(match: Match) -> str:
    text = f"{match.opened_at}|" + "|".join(f"{fact.org}/{fact.id}" for fact in match.evidence)
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def _evidence(fact: Fact) -> Evidence:
    # One Evidence per fact, shared by every message that names it.
    if fact.evidence is None:
        event_type = CATALOGUE.get(fact.type)
        fact.evidence = Evidence.model_construct(
            id=fact.id,
            source=fact.source,
            org=fact.org,
            type=fact.type,
            time=from_micros(fact.t),
            label_nl=event_type.label_nl if event_type else fact.type,
        )
    return cast(Evidence, fact.evidence)


def _policies(rule: RuleSpec) -> list[PolicyRef]:
    return [PolicyRef(domain=p.domain, reference=p.reference, text=p.text) for p in rule.policies]
