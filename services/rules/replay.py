"""Replay: the rule engine over a stream of events with the replayed event time as its clock (no broker).

`wijkbrug rules backtest` and the rule test files run on this. The clock is the newest event time seen so
far; a deadline fires when the clock passes it, or at `until` when the replay ends. The escalations that
stand at the end (kept by the same merge rule as the database) are the result: one per dedup key.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, BinaryIO

import orjson

from services.escalations.merge import Clash, ClashMirror
from services.rules.engine import Outcome, RuleEngine
from services.rules.errors import RuleError
from services.rules.facts import parse_time, subject_event_from_wire, to_micros
from services.rules.publication import ClashUpdate
from services.rules.state import SubjectState

#: Stamped on replayed messages: replay output must not depend on when it ran.
REPLAY_EMITTED_AT = datetime(1970, 1, 1, tzinfo=UTC)


class ReplayInputError(RuleError):
    """An input line that is not an event the engine can replay."""


@dataclass
class ReplayStats:
    """What a replay went through."""

    events: int = 0
    ignored: int = 0
    too_late: int = 0
    messages: int = 0
    expired: int = 0


@dataclass
class Replay:
    """One replay: feed events in any order, then `finish`."""

    engine: RuleEngine
    states: dict[str, SubjectState] = field(default_factory=dict)
    mirror: ClashMirror = field(default_factory=ClashMirror)
    stats: ReplayStats = field(default_factory=ReplayStats)
    clock: int = 0
    _wakeups: list[tuple[int, str]] = field(default_factory=list)
    _next: dict[str, int] = field(default_factory=dict)

    def feed(self, event: Mapping[str, Any]) -> None:
        """Replay one event (a CloudEvent dict with its `buurt`)."""
        self.stats.events += 1
        if not self.engine.interested(str(event.get("type"))):
            self.stats.ignored += 1
            return
        try:
            subject_event = subject_event_from_wire(event, self.engine.data_fields)
        except (KeyError, ValueError, TypeError) as exc:
            raise ReplayInputError(f"event {event.get('id')!r} cannot be replayed: {exc}") from exc
        moment = subject_event.fact.t
        if moment > self.clock:
            self.advance(moment - 1)
            self.clock = moment
        state = self.states.setdefault(subject_event.subject, SubjectState())
        outcome = self.engine.apply(state, subject_event, clock=self.clock, emitted_at=REPLAY_EMITTED_AT)
        self._handle(subject_event.subject, outcome)
        # Deadlines at exactly this moment fire now, after the event of this moment (in time) was counted.
        self.advance(self.clock)

    def advance(self, clock: int) -> None:
        """Let replayed time reach `clock`: every wake-up due by then happens, in time order."""
        while self._wakeups and self._wakeups[0][0] <= clock:
            moment, subject = heapq.heappop(self._wakeups)
            state = self.states.get(subject)
            if state is None or self._next.get(subject) != moment:
                continue  # superseded by a newer wake-up of the same subject
            del self._next[subject]
            self.clock = max(self.clock, moment)
            outcome = self.engine.advance(state, subject, clock=self.clock, emitted_at=REPLAY_EMITTED_AT)
            self._handle(subject, outcome)
        self.clock = max(self.clock, clock)

    def finish(self, until: datetime | None = None) -> list[Clash]:
        """Close the replay at `until` (deadlines up to then fire); the escalations that stand."""
        if until is not None:
            self.advance(to_micros(until))
        return self.mirror.active()

    def _handle(self, subject: str, outcome: Outcome) -> None:
        if outcome.too_late:
            self.stats.too_late += 1
        for message in outcome.messages:
            self.stats.messages += 1
            self.mirror.absorb(message)
        if outcome.expired:
            self.stats.expired += 1
            self.states.pop(subject, None)
            self._next.pop(subject, None)
        elif outcome.wakeup is not None:
            scheduled = self._next.get(subject)
            # One wake-up per subject: a later one is found again when the earlier one comes due.
            if scheduled is None or outcome.wakeup < scheduled:
                self._next[subject] = outcome.wakeup
                heapq.heappush(self._wakeups, (outcome.wakeup, subject))


def read_events(lines: Iterable[str], source: str = "input") -> Iterator[dict[str, Any]]:
    """CloudEvents from JSON lines (blank lines skipped); errors name the line."""
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text:
            continue
        try:
            event = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            raise ReplayInputError(f"{source}:{number}: not JSON: {exc}") from exc
        if not isinstance(event, dict):
            raise ReplayInputError(f"{source}:{number}: not a JSON object")
        missing = [name for name in ("id", "source", "type", "time", "subject", "buurt") if name not in event]
        if missing:
            raise ReplayInputError(f"{source}:{number}: missing {', '.join(missing)}")
        try:
            parse_time(str(event["time"]))
        except ValueError as exc:
            raise ReplayInputError(f"{source}:{number}: time is not RFC 3339") from exc
        yield event


def clash_document(clash: Clash, cache: dict[int, dict[str, str]] | None = None) -> dict[str, Any]:
    """The backtest's line for a clash (PRODUCT.md: rule, subject, buurt, dedup_key, opened_at, evidence).

    `cache` holds the documents of evidence objects already written (rules that share a pattern share
    their evidence objects); pass one dict for all lines of one output.
    """
    documents = cache if cache is not None else {}
    evidence = []
    for item in clash.sorted_evidence():
        document = documents.get(id(item))
        if document is None:
            document = {"id": item.id, "source": item.source, "type": item.type, "time": _time(item.time)}
            documents[id(item)] = document
        evidence.append(document)
    return {
        "rule": clash.rule,
        "subject": clash.subject,
        "buurt": clash.buurt,
        "dedup_key": clash.dedup_key,
        "opened_at": _time(clash.opened_at),
        "severity": clash.severity,
        "organisations": clash.organisations,
        "evidence": evidence,
    }


def write_clash_lines(clashes: Iterable[Clash], output: BinaryIO) -> int:
    """Write one JSON line per clash (the documents of `clash_document`); returns how many.

    The backtest can print hundreds of thousands of lines: each evidence event is serialised once, and
    rules that share a pattern share their evidence objects.
    """
    fragments: dict[int, bytes] = {}
    count = 0
    for clash in clashes:
        head = orjson.dumps(
            {
                "rule": clash.rule,
                "subject": clash.subject,
                "buurt": clash.buurt,
                "dedup_key": clash.dedup_key,
                "opened_at": _time(clash.opened_at),
                "severity": clash.severity,
                "organisations": clash.organisations,
            }
        )
        parts = []
        for item in clash.sorted_evidence():
            fragment = fragments.get(id(item))
            if fragment is None:
                fragment = orjson.dumps(
                    {"id": item.id, "source": item.source, "type": item.type, "time": _time(item.time)}
                )
                fragments[id(item)] = fragment
            parts.append(fragment)
        output.write(head[:-1] + b',"evidence":[' + b",".join(parts) + b"]}\n")
        count += 1
    return count


def _time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def message_documents(messages: Iterable[ClashUpdate]) -> list[dict[str, Any]]:
    """Messages as JSON documents (for debugging output)."""
    return [message.to_message().model_dump(mode="json") for message in messages]
