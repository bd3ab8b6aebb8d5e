"""Replay: the replayed event time is the clock; deadlines fire as it passes them or at `until`."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import pytest

from services.escalations.merge import ClashMirror, ClashNews
from services.rules.engine import Outcome, RuleEngine
from services.rules.loader import load_rules
from services.rules.publication import ClashUpdate
from services.rules.replay import (
    REPLAY_EMITTED_AT,
    Replay,
    ReplayInputError,
    clash_document,
    message_documents,
    read_events,
    write_clash_lines,
)
from services.rules.state import SubjectState
from tests.support.rules import at, cloudevent, moment

PACK = load_rules()
LOC = "loc:plein-hoek-0001"
ELSEWHERE = "loc:elders-00002"
HH = "hh:household-0001"


def reports(subject: str = LOC, start: float = 0) -> list[dict[str, Any]]:
    """Three reports within 30 days on `subject`: the report-without-followup deadline is day start + 33."""
    return [
        cloudevent(
            f"{subject}-m",
            "municipality.report.created",
            start,
            subject,
            data={"category": "afval", "external_id": "SIG-1", "state": "m"},
        ),
        cloudevent(f"{subject}-w", "housing.nuisance.reported", start + 9, subject, data={"category": "GEL"}),
        cloudevent(f"{subject}-p", "safety.incident.registered", start + 19, subject, data={"category": "x"}),
    ]


def other_event(days: float, event_id: str = "other") -> dict[str, Any]:
    """An event on another subject: it moves the replay's clock."""
    return cloudevent(event_id, "housing.nuisance.reported", days, ELSEWHERE, data={"category": "GEL"})


def replay_of(events: Sequence[dict[str, Any]], engine: RuleEngine | None = None) -> Replay:
    replay = Replay(engine or RuleEngine(PACK))
    for event in events:
        replay.feed(event)
    return replay


def rules_of(replay: Replay, until_days: float | None = None) -> list[tuple[str, str]]:
    until = moment(until_days) if until_days is not None else None
    return [(clash.rule, clash.subject) for clash in replay.finish(until)]


ABSENCE = ("report-without-followup", LOC)


# ---------------------------------------------------------------------------------------------------
# the clock


def test_the_clock_is_the_newest_event_time() -> None:
    replay = replay_of([other_event(10, "a"), other_event(3, "b")])

    assert replay.clock == at(10)
    assert replay.stats.events == 2


@pytest.mark.parametrize(
    ("later", "expected"),
    [(32, []), (33, [ABSENCE]), (34, [ABSENCE])],
    ids=["before-the-deadline", "at-the-deadline", "after-the-deadline"],
)
def test_a_later_event_moves_the_clock_past_a_deadline(later: float, expected: list[tuple[str, str]]) -> None:
    replay = replay_of([*reports(), other_event(later)])

    assert [(clash.rule, clash.subject) for clash in replay.mirror.active()] == expected, (
        "fired during the feed"
    )
    assert rules_of(replay) == expected


@pytest.mark.parametrize(
    ("until", "expected"),
    [(None, []), (32, []), (33, [ABSENCE]), (100, [ABSENCE])],
    ids=["no-until", "until-before", "until-at-the-deadline", "until-after"],
)
def test_finish_until_fires_the_deadlines_up_to_then(
    until: float | None, expected: list[tuple[str, str]]
) -> None:
    assert rules_of(replay_of(reports()), until) == expected


def test_a_deadline_at_the_last_events_time_fires_whatever_arrived_first() -> None:
    """The match exists once the clock is at the deadline, also when that is where the replay ends."""
    for events in ([*reports(), other_event(33)], [other_event(33), *reports()]):
        assert rules_of(replay_of(events)) == [ABSENCE]


def test_an_event_at_the_deadline_of_its_own_subject_for_another_rule() -> None:
    refused = cloudevent(
        "refused",
        "municipality.permit.decided",
        33,
        LOC,
        data={"permit_id": "OLO-9", "outcome": "refused", "initiative_id": "BI-1"},
    )

    for events in ([*reports(), refused], [refused, *reports()]):
        assert sorted(rules_of(replay_of(events), until_days=200)) == [
            ("initiative-permit-refused", LOC),
            ABSENCE,
        ]


def test_a_followup_on_the_deadline_is_in_time_and_nothing_is_ever_published() -> None:
    followup = cloudevent("f", "safety.enforcement.action", 33, LOC, data={"measure": "cameratoezicht"})
    recording = Recording()
    replay = Replay(RuleEngine(PACK), mirror=recording)
    for event in [*reports(), followup]:
        replay.feed(event)

    assert replay.finish(moment(200)) == []
    assert recording.messages == [], "the deadline is not concluded before the event of that moment counts"


def test_a_late_followup_withdraws_the_concluded_clash() -> None:
    late = cloudevent(
        "f", "municipality.report.status_changed", 25, LOC, data={"external_id": "SIG-1", "state": "b"}
    )

    replay = replay_of([*reports(), other_event(40), late])

    assert replay.finish(moment(100)) == []
    assert replay.mirror.clashes[f"report-without-followup:{LOC}"].withdrawn
    assert replay.stats.messages == 2


class Recording(ClashMirror):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[ClashUpdate] = []

    def absorb(self, message: ClashNews) -> None:
        assert isinstance(message, ClashUpdate)
        self.messages.append(message)
        super().absorb(message)


def test_replayed_messages_do_not_depend_on_when_the_replay_ran() -> None:
    recording = Recording()
    replay = Replay(RuleEngine(PACK), mirror=recording)
    for event in [*reports(), other_event(40)]:
        replay.feed(event)

    assert [message.emitted_at for message in recording.messages] == [REPLAY_EMITTED_AT]
    assert (
        json.loads(json.dumps(message_documents(recording.messages)))[0]["rule"] == "report-without-followup"
    )


# ---------------------------------------------------------------------------------------------------
# what a replay counts, idle subjects


def test_stats() -> None:
    engine = RuleEngine(PACK, allowed_lateness=timedelta(days=1))
    events = [
        cloudevent("x", "housing.repair.requested", 0, HH, data={"category": "lekkage"}),
        cloudevent("b1", "housing.arrears.signalled", 300, HH),
        cloudevent("b0", "housing.arrears.signalled", 100, HH),
        cloudevent("a", "social.benefit.stopped", 250, HH),
    ]

    replay = replay_of(events, engine)

    assert (replay.stats.events, replay.stats.ignored, replay.stats.too_late) == (4, 1, 1)
    assert replay.stats.messages == 1
    assert [clash.rule for clash in replay.finish()] == ["benefit-stop-after-arrears"]


def test_idle_subjects_are_forgotten() -> None:
    engine = RuleEngine(PACK, idle_ttl=timedelta(days=30))
    replay = replay_of([cloudevent("b", "housing.arrears.signalled", 0, HH), other_event(10)], engine)

    replay.finish(moment(45))

    assert replay.stats.expired == 2
    assert replay.states == {}


def test_a_subject_held_by_an_open_state_is_not_woken_again_and_again() -> None:
    engine = RuleEngine(PACK, idle_ttl=timedelta(days=30))
    calls: list[int] = []
    advance = engine.advance

    def counting(state: SubjectState, subject: str, *, clock: int, emitted_at: Any) -> Outcome:
        calls.append(clock)
        assert len(calls) < 100, "woken again and again"
        return advance(state, subject, clock=clock, emitted_at=emitted_at)

    engine.advance = counting  # type: ignore[method-assign]
    replay = replay_of([cloudevent("d", "social.debt_assistance.started", 0, HH)], engine)

    replay.finish(moment(365))

    assert calls == [at(30)]
    assert HH in replay.states, "debt assistance is still active"


# ---------------------------------------------------------------------------------------------------
# input


def test_read_events_skips_blank_lines() -> None:
    lines = ["\n", json.dumps(other_event(1, "a")) + "\n", "   \n", json.dumps(other_event(2, "b"))]

    assert [event["id"] for event in read_events(lines)] == ["a", "b"]


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("{not json", "events.jsonl:3: not JSON"),
        ("[1, 2]", "events.jsonl:3: not a JSON object"),
        (
            json.dumps({"id": "x", "source": "urn:nl:wijkbrug:org:woco"}),
            "events.jsonl:3: missing type, time, subject, buurt",
        ),
        (json.dumps({**other_event(1), "time": "gisteren"}), "events.jsonl:3: time is not RFC 3339"),
    ],
)
def test_read_events_names_the_line(line: str, words: str) -> None:
    lines = [json.dumps(other_event(1, "a")), "", line]

    with pytest.raises(ReplayInputError) as caught:
        list(read_events(lines, "events.jsonl"))

    assert str(caught.value).startswith(words)


def test_an_event_the_engine_cannot_replay_is_named() -> None:
    event = {**other_event(1, "evt-42"), "source": "https://example.org/elsewhere"}

    with pytest.raises(ReplayInputError, match="'evt-42'"):
        Replay(RuleEngine(PACK)).feed(event)


# ---------------------------------------------------------------------------------------------------
# the backtest's output


def test_clash_document() -> None:
    events = [
        cloudevent("s", "housing.eviction.summoned", 5.5, HH, buurt="BU0363NA01"),
        cloudevent("d", "social.debt_assistance.started", 1, HH),
        cloudevent("x", "housing.eviction.scheduled", 5.5, HH, buurt="BU0363AE01"),
    ]
    events[1]["time"] = "2026-01-02T01:00:00.000250+01:00"

    (clash,) = replay_of(events).finish()
    document = clash_document(clash)

    assert document == {
        "rule": "eviction-during-debt-assistance",
        "subject": HH,
        "buurt": "BU0363AE01",
        "dedup_key": f"eviction-during-debt-assistance:{HH}",
        "opened_at": "2026-01-06T12:00:00Z",
        "severity": "high",
        "organisations": ["gemeente-sd", "woco"],
        "evidence": [
            {
                "id": "d",
                "source": "urn:nl:wijkbrug:org:gemeente-sd",
                "type": "nl.wijkbrug.social.debt_assistance.started",
                "time": "2026-01-02T00:00:00.000250Z",
            },
            {
                "id": "s",
                "source": "urn:nl:wijkbrug:org:woco",
                "type": "nl.wijkbrug.housing.eviction.summoned",
                "time": "2026-01-06T12:00:00Z",
            },
            {
                "id": "x",
                "source": "urn:nl:wijkbrug:org:woco",
                "type": "nl.wijkbrug.housing.eviction.scheduled",
                "time": "2026-01-06T12:00:00Z",
            },
        ],
    }
    assert json.loads(json.dumps(document)) == document, "plain JSON, one line of the backtest"


def test_the_backtest_lines_are_the_clash_documents() -> None:
    replay = Replay(RuleEngine(PACK))
    for event in [*reports(), other_event(40)]:
        replay.feed(event)
    clashes = replay.finish(moment(100))
    assert clashes

    output = io.BytesIO()
    written = write_clash_lines(clashes, output)

    lines = output.getvalue().decode("utf-8").splitlines()
    assert written == len(lines) == len(clashes)
    assert [json.loads(line) for line in lines] == [clash_document(clash) for clash in clashes]
