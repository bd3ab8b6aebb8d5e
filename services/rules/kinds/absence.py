"""Absence after a trigger: a trigger (an event, or the K-th within a window), then no follow-up in time.

Everything is decided in event time: the deadline is the trigger's time plus `within`; a follow-up counts
if its event time is at or after the trigger and at or before the deadline, whenever it arrives; one that
happened after the deadline does not undo the clash. The clock only decides whether "nothing arrived"
can be concluded yet: the match exists once the clock is at or past the deadline. A follow-up, and a
breached deadline, start the count afresh.

With `correlate`, triggers and follow-ups are matched on a data field (a permit's `permit_id`): each value
has its own clock, and its own match (the field is available to the dedup key).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from services.rules.facts import Fact, micros
from services.rules.kinds.match import Match, merged
from services.rules.matchers import ConditionCache
from services.rules.model import AbsencePattern


@dataclass
class _Watch:
    trigger_at: int
    deadline: int
    facts: list[Fact] = field(default_factory=list)


class AbsenceEvaluator:
    """Matches for every trigger whose deadline passed without a follow-up."""

    clocked = True

    def __init__(self, pattern: AbsencePattern, cache: ConditionCache) -> None:
        self.trigger = cache.matchers(pattern.trigger.events)
        self.followup = cache.matchers(pattern.followup)
        self.count = pattern.trigger.count
        self.count_window = micros(pattern.trigger.within) if pattern.trigger.within else 0
        self.within = micros(pattern.within)
        self.correlate = pattern.correlate
        self.types = self.trigger.types | self.followup.types
        self.fields = (
            self.trigger.fields
            | self.followup.fields
            | (frozenset({pattern.correlate}) if pattern.correlate else frozenset())
        )

    def _timelines(self, facts: Sequence[Fact]) -> dict[str, list[tuple[Fact, bool]]]:
        """(fact, is_trigger) per correlation value in event-time order; on a tie the trigger goes first."""
        lines: dict[str, list[tuple[Fact, bool]]] = defaultdict(list)
        for fact in facts:
            if fact.type not in self.types:
                continue
            is_trigger = self.trigger(fact)
            if not is_trigger and not self.followup(fact):
                continue
            if self.correlate is None:
                lines[""].append((fact, is_trigger))
            elif self.correlate in fact.data:
                lines[str(fact.data[self.correlate])].append((fact, is_trigger))
        for line in lines.values():
            line.sort(key=lambda item: (item[0].t, 0 if item[1] else 1, item[0].org, item[0].id))
        return lines

    def _run(self, line: list[tuple[Fact, bool]]) -> tuple[list[_Watch], _Watch | None]:
        """The breached watches of a timeline, and the watch still open at its end (if any)."""
        breached: list[_Watch] = []
        window: list[Fact] = []
        watch: _Watch | None = None
        for fact, is_trigger in line:
            if watch is not None and fact.t > watch.deadline:
                breached.append(watch)
                watch = None
            if not is_trigger:
                watch = None  # in time: the trigger is answered
                window.clear()
                continue
            if watch is not None:
                watch.facts.append(fact)  # more triggers while the clock runs: more evidence
                continue
            window.append(fact)
            if self.count > 1:
                window = [member for member in window if member.t >= fact.t - self.count_window]
            if len(window) >= self.count:
                watch = _Watch(trigger_at=fact.t, deadline=fact.t + self.within, facts=list(window))
                window = []
        return breached, watch

    def matches(self, facts: Sequence[Fact], clock: int) -> list[Match]:
        return self.evaluate(facts, clock)[0]

    def wakeup(self, facts: Sequence[Fact], clock: int) -> int | None:
        return self.evaluate(facts, clock)[1]

    def evaluate(self, facts: Sequence[Fact], clock: int) -> tuple[list[Match], int | None]:
        """The matches, and the next deadline after `clock` (None if no watch is open), in one pass."""
        found: list[Match] = []
        deadlines: list[int] = []
        for value, line in self._timelines(facts).items():
            breached, open_watch = self._run(line)
            if open_watch is not None:
                if clock >= open_watch.deadline:
                    breached.append(open_watch)
                else:
                    deadlines.append(open_watch.deadline)
            key_data = {self.correlate: value} if self.correlate else {}
            found.extend(
                Match(opened_at=watch.deadline, evidence=tuple(watch.facts), key_data=key_data)
                for watch in breached
            )
        return merged(found), (min(deadlines) if deadlines else None)

    def keep(self, facts: Sequence[Fact], cutoff: int) -> set[tuple[str, str]]:
        # A watch needs its trigger events until its deadline is older than the cutoff: an open one to be
        # concluded, a breached one so that its later triggers are not counted afresh without the earlier.
        kept: set[tuple[str, str]] = set()
        for line in self._timelines(facts).values():
            breached, open_watch = self._run(line)
            for watch in (*breached, *([open_watch] if open_watch is not None else [])):
                if watch.deadline >= cutoff:
                    kept.update(fact.key for fact in watch.facts)
        return kept
