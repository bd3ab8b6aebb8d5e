"""A silence: when it mutes, when it ended, and which escalations it covers."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from services.silences.model import Silence, silenced_until

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
RULE = "eviction-during-debt-assistance"
SUBJECT = "hh:household0001"
BUURT = "BU0363AD05"
ON_SUBJECT = Silence(
    id=1,
    rule=RULE,
    subject=SUBJECT,
    buurt=None,
    reason="Maatwerk loopt al",
    created_by="anna",
    created_at=T0,
    ends_at=T0 + timedelta(days=7),
)
ON_BUURT = replace(ON_SUBJECT, id=2, subject=None, buurt=BUURT, ends_at=T0 + timedelta(days=3))


def test_a_silence_mutes_until_its_end_and_not_at_it() -> None:
    assert ON_SUBJECT.active_at(T0)
    assert ON_SUBJECT.active_at(ON_SUBJECT.ends_at - timedelta(microseconds=1))
    assert not ON_SUBJECT.active_at(ON_SUBJECT.ends_at)
    assert ON_SUBJECT.ended_at(T0) is None
    assert ON_SUBJECT.ended_at(ON_SUBJECT.ends_at) == ON_SUBJECT.ends_at


def test_an_expired_silence_no_longer_mutes_and_ended_when_expired() -> None:
    expired = replace(ON_SUBJECT, expired_at=T0 + timedelta(hours=1), expired_by="bram")

    assert not expired.active_at(T0 + timedelta(hours=2))
    assert expired.ended_at(T0 + timedelta(hours=2)) == T0 + timedelta(hours=1)


def test_a_subject_silence_covers_its_rule_on_its_subject_in_any_buurt() -> None:
    assert ON_SUBJECT.matches(RULE, SUBJECT, "BU0363NA01")
    assert not ON_SUBJECT.matches(RULE, "hh:household0002", BUURT)
    assert not ON_SUBJECT.matches("stacked-interventions", SUBJECT, BUURT)


def test_a_buurt_silence_covers_its_rule_on_every_subject_in_its_buurt() -> None:
    assert ON_BUURT.matches(RULE, "hh:household0002", BUURT)
    assert not ON_BUURT.matches(RULE, SUBJECT, "BU0363NA01")
    assert not ON_BUURT.matches("stacked-interventions", SUBJECT, BUURT)


def test_silenced_until_is_the_latest_end_of_the_covering_silences() -> None:
    both = [ON_SUBJECT, ON_BUURT]

    assert silenced_until(both, RULE, SUBJECT, BUURT) == ON_SUBJECT.ends_at
    assert silenced_until(both, RULE, "hh:household0002", BUURT) == ON_BUURT.ends_at
    assert silenced_until(both, RULE, "hh:household0002", "BU0363NA01") is None
    assert silenced_until([], RULE, SUBJECT, BUURT) is None
