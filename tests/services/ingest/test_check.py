"""check_events(): admission plus the canonical journal record, as plain values for any process."""

from __future__ import annotations

import pytest

from schemas.issues import Issue
from services.geo.registry import BuurtRegistry
from services.geo.shipped import load_shipped_buurten
from services.ingest.admission import SOURCE_NOT_ALLOWED, UNPLACEABLE, admit
from services.ingest.check import CheckedEvent, Verdict, check_events
from services.journal.model import JournalRecord
from tests.services.ingest.test_admission import GEMEENTE, NOW, UTRECHT_DOM, WOONSTAD, raw_event
from tests.support.events import DAM, DAM_BUURT

TOPIC = "wijkbrug.inbound.woonstad"
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


@pytest.fixture(scope="module")
def registry() -> BuurtRegistry:
    return BuurtRegistry(load_shipped_buurten())


def test_an_admitted_event_becomes_its_canonical_record(registry: BuurtRegistry) -> None:
    raw = raw_event(WOONSTAD, "housing.eviction.summoned", traceparent=TRACEPARENT)
    [verdict] = check_events([raw], WOONSTAD, registry=registry, topic=TOPIC, now=NOW)
    admission = admit(raw, WOONSTAD, registry, now=NOW)
    wire = admission.wire()
    assert verdict == Verdict(
        CheckedEvent(
            JournalRecord.of(
                wire, source=WOONSTAD.source, org_slug="woonstad", topic=TOPIC, key=raw["subject"]
            ),
            TRACEPARENT,
        )
    )
    assert verdict.issues == ()


def test_a_located_event_is_recorded_in_its_buurt(registry: BuurtRegistry) -> None:
    raw = raw_event(GEMEENTE, "municipality.report.created", buurt=None, location=DAM)
    [verdict] = check_events([raw], GEMEENTE, registry=registry, topic=TOPIC, now=NOW)
    assert verdict.event is not None
    assert f'"buurt":"{DAM_BUURT}"' in verdict.event.record.record


def test_refusals_keep_their_issues_in_order(registry: BuurtRegistry) -> None:
    foreign = raw_event(GEMEENTE, "housing.eviction.summoned")
    elsewhere = raw_event(GEMEENTE, "municipality.report.created", buurt=None, location=UTRECHT_DOM)
    fine = raw_event(WOONSTAD, "housing.eviction.summoned")
    verdicts = check_events(
        [foreign, fine, "not an event"], WOONSTAD, registry=registry, topic=TOPIC, now=NOW
    )
    assert [verdict.event is not None for verdict in verdicts] == [False, True, False]
    assert SOURCE_NOT_ALLOWED in [issue.code for issue in verdicts[0].forbidden]
    assert [issue.code for issue in verdicts[2].invalid] == ["not_an_object"]
    [located] = check_events([elsewhere], GEMEENTE, registry=registry, topic=TOPIC, now=NOW)
    assert [issue.code for issue in located.invalid] == [UNPLACEABLE]


def test_a_verdict_is_either_an_event_or_its_issues() -> None:
    record = JournalRecord("s", "e", "o", "t", "h", "topic", "k", "{}")
    with pytest.raises(ValueError, match="either"):
        Verdict()
    with pytest.raises(ValueError, match="either"):
        Verdict(CheckedEvent(record), invalid=(Issue("id", "x", "y"),))
