"""IngestService: all or nothing, idempotent on (source, id), journalled before produced, acked before 202."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Tracer

from schemas.identifiers import Domain, source_for
from services.broker.errors import BrokerUnavailableError
from services.broker.publisher import Publisher
from services.broker.records import OutboundRecord, header
from services.broker.topics import Topology
from services.db.engine import create_db_engine, create_session_factory
from services.directory.model import Organisation
from services.errors import ConflictError, InvalidInputError, PermissionDeniedError
from services.gateway import ingest as ingest_module
from services.gateway.ingest import (
    EventIdConflictError,
    EventsForbiddenError,
    EventsInvalidError,
    IngestService,
)
from services.gateway.topics import InboundTopics
from services.geo.registry import BuurtRegistry
from services.geo.shipped import load_shipped_buurten
from services.http.problems import status_of
from services.journal.model import JournalState, ReplayItem
from services.journal.sql import SqlJournalStore
from tests.support.elfproef import bsn_like
from tests.support.events import DAM, DAM_BUURT, cloudevent, new_subject

pytestmark = pytest.mark.db

WOONSTAD = Organisation("woonstad", Domain.HOUSING, "Woonstad")
TRACEPARENT_RE = re.compile(r"^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$")
PARTNER_TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


@dataclass
class RecordingPublisher:
    """Publisher that keeps what it was given; `failing` makes it behave like a broker that is down."""

    batches: list[list[OutboundRecord]] = field(default_factory=list)
    failing: bool = False
    attempts: int = 0

    async def publish(self, records: Sequence[OutboundRecord]) -> None:
        self.attempts += 1
        if self.failing:
            raise BrokerUnavailableError("the broker did not acknowledge in time")
        self.batches.append(list(records))

    def close(self) -> None:
        pass

    @property
    def records(self) -> list[OutboundRecord]:
        return [record for batch in self.batches for record in batch]


class FakeInboundTopics(InboundTopics):
    """Records which organisations' topics were ensured; never talks to a broker."""

    def __init__(self, topology: Topology) -> None:
        super().__init__("unused:9092", topology)
        self.topology = topology
        self.ensured: list[str] = []

    async def ensure(self, org_slug: str) -> str:
        self.ensured.append(org_slug)
        return self.topology.inbound(org_slug)


@dataclass
class Rig:
    service: IngestService
    publisher: RecordingPublisher
    journal: SqlJournalStore
    topics: FakeInboundTopics

    def accept(self, events: Sequence[Any], org: Organisation = WOONSTAD) -> list[str]:
        return asyncio.run(self.service.accept(org, events))

    def accept_replayable(self, events: Sequence[Any], org: Organisation = WOONSTAD) -> list[str]:
        verdicts = self.service.check(org, events)
        checked = [verdict.event for verdict in verdicts if verdict.event is not None]
        assert len(checked) == len(events), [verdict.issues for verdict in verdicts]
        return asyncio.run(self.service.accept_replayable(org, checked))

    def journalled(self) -> list[ReplayItem]:
        return [item for batch in self.journal.replay() for item in batch]

    def state(self, event_id: str, source: str = WOONSTAD.source) -> JournalState | None:
        known = self.journal.known(source, [event_id]).get(event_id)
        return None if known is None else known.state


@pytest.fixture(scope="module")
def registry() -> BuurtRegistry:
    return BuurtRegistry(load_shipped_buurten())


@pytest.fixture
def spans(monkeypatch: pytest.MonkeyPatch) -> InMemorySpanExporter:
    """A real SDK tracer for the ingest module only (the global provider stays untouched)."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))

    def tracer() -> Tracer:
        return provider.get_tracer("test")

    monkeypatch.setattr(ingest_module, "tracer", tracer)
    return exporter


@pytest.fixture
def rig(database_url: str, registry: BuurtRegistry, spans: InMemorySpanExporter) -> Iterator[Rig]:
    engine = create_db_engine(database_url)
    journal = SqlJournalStore(create_session_factory(engine))
    topology = Topology(
        prefix="t.",
        partitions_inbound=2,
        partitions_events=4,
        partitions_escalations=2,
        partitions_decisions=2,
        partitions_deadletter=1,
    )
    publisher = RecordingPublisher()
    topics = FakeInboundTopics(topology)
    published: Publisher = publisher
    service = IngestService(
        journal=journal, publisher=published, registry=registry, topology=topology, inbound_topics=topics
    )
    yield Rig(service=service, publisher=publisher, journal=journal, topics=topics)
    engine.dispose()


def evicted(**changes: Any) -> dict[str, Any]:
    return cloudevent("woonstad", "housing.eviction.summoned", new_subject(), **changes)


def ids_of(events: Sequence[dict[str, Any]]) -> list[str]:
    return [str(event["id"]) for event in events]


# ---------------------------------------------------------------------------------------------------
# the happy path and the record on the wire


def test_a_batch_is_journalled_published_and_answered_in_request_order(rig: Rig) -> None:
    events = [evicted(), evicted(), evicted(data={"court_date": "2026-12-01"})]

    accepted = rig.accept(events)

    assert accepted == ids_of(events)
    assert len(rig.publisher.batches) == 1, "one request, one produce call"
    assert [record.key for record in rig.publisher.records] == [e["subject"].encode() for e in events]
    assert [item.key for item in rig.journalled()] == [event["subject"] for event in events]
    assert all(rig.state(event_id) is JournalState.PUBLISHED for event_id in accepted)
    assert rig.topics.ensured == ["woonstad"]


def test_the_record_on_the_wire(rig: Rig) -> None:
    subject = new_subject()
    event = cloudevent(
        "woonstad",
        "housing.eviction.scheduled",
        subject,
        time="2026-10-01T11:00:00+02:00",
        data={"eviction_date": "2026-11-15"},
    )

    rig.accept([event])

    (record,) = rig.publisher.records
    assert record.topic == "t.wijkbrug.inbound.woonstad"
    assert record.key == subject.encode("utf-8")
    value = json.loads(record.value)
    assert value == {**event, "time": "2026-10-01T09:00:00Z", "buurt": DAM_BUURT}
    canonical = json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()
    assert record.value == canonical
    assert header(record.headers, "content-type") == "application/cloudevents+json"
    traceparent = header(record.headers, "traceparent")
    assert traceparent is not None
    assert TRACEPARENT_RE.match(traceparent), traceparent
    (journalled,) = rig.journalled()
    assert journalled.record.encode("utf-8") == record.value
    assert journalled.topic == record.topic


def test_the_wire_carries_the_buurt_resolved_from_the_location(rig: Rig) -> None:
    event = cloudevent(
        "woonstad",
        "housing.repair.requested",
        new_subject(),
        buurt=None,
        data={"category": "lekkage", "location": DAM},
    )
    assert "buurt" not in event

    rig.accept([event])

    (record,) = rig.publisher.records
    value = json.loads(record.value)
    assert value["buurt"] == DAM_BUURT
    assert value["data"]["location"] == DAM


def test_each_record_has_its_own_producer_span_linked_to_the_partner_trace(
    rig: Rig, spans: InMemorySpanExporter
) -> None:
    with_trace = evicted(traceparent=PARTNER_TRACEPARENT)
    without = evicted()

    rig.accept([with_trace, without])

    finished = {
        span.attributes["cloudevents.event_id"]: span
        for span in spans.get_finished_spans()
        if span.attributes
    }
    assert set(finished) == {with_trace["id"], without["id"]}
    linked = finished[with_trace["id"]]
    assert [format(link.context.trace_id, "032x") for link in linked.links] == [PARTNER_TRACEPARENT[3:35]]
    assert list(finished[without["id"]].links) == []
    for record in rig.publisher.records:
        event_id = json.loads(record.value)["id"]
        traceparent = header(record.headers, "traceparent")
        assert traceparent is not None
        context = finished[event_id].context
        assert context is not None
        assert traceparent.split("-")[1:3] == [
            format(context.trace_id, "032x"),
            format(context.span_id, "016x"),
        ]


def test_a_connector_batch_has_one_producer_span_that_every_record_carries(
    rig: Rig, spans: InMemorySpanExporter
) -> None:
    events = [evicted(traceparent=PARTNER_TRACEPARENT), evicted(), evicted()]

    rig.accept_replayable(events)

    (span,) = spans.get_finished_spans()
    assert span.name == "publish 3 events"
    assert span.attributes is not None and span.attributes["messaging.batch.message_count"] == 3
    assert [format(link.context.trace_id, "032x") for link in span.links] == [PARTNER_TRACEPARENT[3:35]]
    context = span.context
    assert context is not None
    carried = [header(record.headers, "traceparent") or "" for record in rig.publisher.records]
    assert [traceparent.split("-")[1:3] for traceparent in carried] == [
        [f"{context.trace_id:032x}", f"{context.span_id:016x}"]
    ] * 3


# ---------------------------------------------------------------------------------------------------
# all or nothing


def test_one_invalid_event_refuses_the_whole_batch(rig: Rig) -> None:
    broken = evicted()
    del broken["subject"]
    also_broken = evicted(buurt="BU0363ZZ99")
    events = [evicted(), broken, evicted(), also_broken]

    with pytest.raises(EventsInvalidError) as caught:
        rig.accept(events)

    error = caught.value
    assert isinstance(error, InvalidInputError)
    assert status_of(error) == (422, "invalid_events")
    assert "2 of 4" in error.message
    assert error.details is not None
    assert [(item["index"], item["id"]) for item in error.details] == [
        (1, broken["id"]),
        (3, also_broken["id"]),
    ]
    assert {"field": "subject", "code": "missing_attribute"}.items() <= error.details[0]["errors"][0].items()
    assert [issue["code"] for issue in error.details[1]["errors"]] == ["unknown_buurt"]
    assert rig.publisher.attempts == 0
    assert rig.journalled() == []
    assert rig.topics.ensured == []


def test_an_event_without_a_usable_id_is_reported_with_id_none(rig: Rig) -> None:
    no_id = evicted()
    del no_id["id"]

    with pytest.raises(EventsInvalidError) as caught:
        rig.accept([evicted(), no_id, "not an event"])

    assert caught.value.details is not None
    assert [(item["index"], item["id"]) for item in caught.value.details] == [(1, None), (2, None)]


@pytest.mark.parametrize(
    ("event", "code"),
    [
        (cloudevent("andere-corporatie", "housing.eviction.summoned", new_subject()), "source_not_allowed"),
        (cloudevent("woonstad", "social.debt_assistance.started", new_subject()), "type_not_allowed"),
        (
            cloudevent(
                "woonstad",
                "residents.initiative.withdrawn",
                new_subject("ini"),
                data={"initiative_id": "BI-1"},
            ),
            "type_not_allowed",
        ),
    ],
)
def test_forbidden_events_refuse_the_whole_batch(rig: Rig, event: dict[str, Any], code: str) -> None:
    with pytest.raises(EventsForbiddenError) as caught:
        rig.accept([evicted(), event])

    error = caught.value
    assert isinstance(error, PermissionDeniedError)
    assert status_of(error) == (403, "forbidden_events")
    assert error.details is not None
    assert [(item["index"], item["id"]) for item in error.details] == [(1, event["id"])]
    assert [issue["code"] for issue in error.details[0]["errors"]] == [code]
    assert rig.publisher.attempts == 0
    assert rig.journalled() == []


def test_forbidden_wins_over_invalid(rig: Rig) -> None:
    invalid = evicted()
    del invalid["time"]
    forbidden = cloudevent("andere-corporatie", "housing.eviction.summoned", new_subject())

    with pytest.raises(EventsForbiddenError) as caught:
        rig.accept([invalid, forbidden])

    assert caught.value.details is not None
    assert [item["index"] for item in caught.value.details] == [1]


# ---------------------------------------------------------------------------------------------------
# idempotency on (source, id)


def test_the_same_event_again_is_accepted_and_published_once(rig: Rig) -> None:
    event = evicted()

    assert rig.accept([event]) == [event["id"]]
    assert rig.accept([event]) == [event["id"]]

    assert len(rig.publisher.records) == 1
    assert len(rig.journalled()) == 1


def test_the_same_content_in_another_notation_is_the_same_event(rig: Rig) -> None:
    event = evicted(time="2026-10-01T09:00:00Z")
    rig.accept([event])

    again = {**event, "time": "2026-10-01T11:00:00+02:00"}
    assert rig.accept([again]) == [event["id"]]

    assert len(rig.publisher.records) == 1


def test_a_resent_event_in_a_batch_with_new_ones_publishes_only_the_new(rig: Rig) -> None:
    old = evicted()
    rig.accept([old])
    new = evicted()

    assert rig.accept([new, old]) == [new["id"], old["id"]]

    assert [json.loads(record.value)["id"] for record in rig.publisher.batches[1]] == [new["id"]]


def test_the_same_id_from_another_source_is_another_event(rig: Rig) -> None:
    other = Organisation("rochdale", Domain.HOUSING, "Rochdale")
    event = evicted(event_id="evt-shared-id")
    theirs = cloudevent("rochdale", "housing.eviction.summoned", new_subject(), event_id="evt-shared-id")

    rig.accept([event])
    rig.accept([theirs], org=other)

    assert len(rig.publisher.records) == 2
    assert rig.state("evt-shared-id", source_for("rochdale")) is JournalState.PUBLISHED


def test_the_same_id_with_other_content_is_a_conflict(rig: Rig) -> None:
    event = evicted(data={"court_date": "2026-12-01"})
    rig.accept([event])
    changed = {**event, "data": {"court_date": "2026-12-08"}}

    with pytest.raises(EventIdConflictError) as caught:
        rig.accept([evicted(), changed])

    error = caught.value
    assert isinstance(error, ConflictError)
    assert status_of(error) == (409, "event_id_conflict")
    assert error.details == [
        {
            "index": 1,
            "id": event["id"],
            "errors": [
                {"field": "id", "code": "event_id_conflict", "message": "accepted before with other content"}
            ],
        }
    ]
    assert len(rig.publisher.records) == 1, "nothing of the conflicting request is published"
    assert len(rig.journalled()) == 1
    assert json.loads(rig.journalled()[0].record)["data"] == {"court_date": "2026-12-01"}


def test_a_duplicate_id_with_the_same_content_in_one_batch_is_one_record(rig: Rig) -> None:
    event = evicted()

    accepted = rig.accept([event, evicted(), dict(event)])

    assert accepted[0] == accepted[2] == event["id"]
    assert sorted(json.loads(record.value)["id"] for record in rig.publisher.records) == sorted(set(accepted))
    assert len(rig.journalled()) == 2


def test_a_duplicate_id_with_other_content_in_one_batch_is_invalid(rig: Rig) -> None:
    event = evicted()
    clash = {**event, "subject": new_subject()}

    with pytest.raises(EventsInvalidError) as caught:
        rig.accept([event, evicted(), clash])

    assert caught.value.details is not None
    assert [(item["index"], item["id"]) for item in caught.value.details] == [(2, event["id"])]
    assert [issue["code"] for issue in caught.value.details[0]["errors"]] == ["duplicate_id"]
    assert rig.publisher.attempts == 0
    assert rig.journalled() == []


# ---------------------------------------------------------------------------------------------------
# the broker is down


def test_a_broker_failure_leaves_the_event_pending_and_a_retry_publishes_it(rig: Rig) -> None:
    event = evicted()
    rig.publisher.failing = True

    with pytest.raises(BrokerUnavailableError) as caught:
        rig.accept([event])

    assert status_of(caught.value)[0] == 503
    assert rig.publisher.records == []
    assert rig.state(event["id"]) is JournalState.PENDING
    assert len(rig.journalled()) == 1

    rig.publisher.failing = False
    assert rig.accept([event]) == [event["id"]]

    (record,) = rig.publisher.records
    assert json.loads(record.value)["id"] == event["id"]
    assert record.value == rig.journalled()[0].record.encode("utf-8")
    assert rig.state(event["id"]) is JournalState.PUBLISHED
    assert len(rig.journalled()) == 1


def test_a_retry_after_a_failure_publishes_pending_and_new_events_together(rig: Rig) -> None:
    first = evicted()
    rig.publisher.failing = True
    with pytest.raises(BrokerUnavailableError):
        rig.accept([first])
    rig.publisher.failing = False
    second = evicted()

    rig.accept([first, second])

    assert sorted(json.loads(record.value)["id"] for record in rig.publisher.records) == sorted(
        [first["id"], second["id"]]
    )
    assert rig.state(first["id"]) is rig.state(second["id"]) is JournalState.PUBLISHED


def test_a_retry_with_other_content_after_a_failure_is_still_a_conflict(rig: Rig) -> None:
    event = evicted()
    rig.publisher.failing = True
    with pytest.raises(BrokerUnavailableError):
        rig.accept([event])
    rig.publisher.failing = False

    with pytest.raises(EventIdConflictError):
        rig.accept([{**event, "subject": new_subject()}])

    assert rig.publisher.records == []
    assert rig.state(event["id"]) is JournalState.PENDING


# ---------------------------------------------------------------------------------------------------
# a BSN never gets in, nor back out in an error


@pytest.mark.parametrize(
    ("where", "field"),
    [
        ("category", "data.category"),
        ("subject", "subject"),
        ("id", "id"),
    ],
)
def test_a_bsn_is_refused_without_echoing_it(rig: Rig, where: str, field: str) -> None:
    bsn = bsn_like(len(where))
    event = cloudevent("woonstad", "housing.repair.requested", new_subject(), data={"category": "lekkage"})
    if where == "category":
        event["data"]["category"] = f"lekkage bij BSN {bsn}, 2e verdieping"
    elif where == "subject":
        event["subject"] = f"hh:{bsn}"
    else:
        event["id"] = bsn

    with pytest.raises(EventsInvalidError) as caught:
        rig.accept([evicted(), event])

    error = caught.value
    assert error.details is not None
    (item,) = error.details
    assert item["index"] == 1
    assert {"field": field, "code": "bsn_detected"} in [
        {"field": issue["field"], "code": issue["code"]} for issue in item["errors"]
    ]
    for text in (str(error.details), error.message, str(error)):
        assert bsn not in text
    assert rig.journalled() == []
    assert rig.publisher.attempts == 0


# ---------------------------------------------------------------------------------------------------
# a replayable caller (a connector): produce first, then journal as published


def test_replayable_events_are_produced_then_journalled_as_published(rig: Rig) -> None:
    events = [evicted(), evicted()]

    assert rig.accept_replayable(events) == ids_of(events)
    assert rig.accept_replayable(events) == ids_of(events)

    assert [json.loads(record.value)["id"] for record in rig.publisher.records] == ids_of(events)
    assert [item.record.encode("utf-8") for item in rig.journalled()] == [
        record.value for record in rig.publisher.records
    ]
    assert all(rig.state(event_id) is JournalState.PUBLISHED for event_id in ids_of(events))


def test_a_broker_failure_journals_nothing_for_a_replayable_caller(rig: Rig) -> None:
    event = evicted()
    rig.publisher.failing = True

    with pytest.raises(BrokerUnavailableError):
        rig.accept_replayable([event])

    assert rig.journalled() == []
    rig.publisher.failing = False
    assert rig.accept_replayable([event]) == [event["id"]]
    assert rig.state(event["id"]) is JournalState.PUBLISHED


def test_a_replayable_caller_publishes_what_the_gateway_left_pending(rig: Rig) -> None:
    pending = evicted()
    rig.publisher.failing = True
    with pytest.raises(BrokerUnavailableError):
        rig.accept([pending])
    rig.publisher.failing = False
    new = evicted()

    rig.accept_replayable([pending, new])

    assert sorted(json.loads(record.value)["id"] for record in rig.publisher.records) == sorted(
        [pending["id"], new["id"]]
    )
    assert rig.state(pending["id"]) is rig.state(new["id"]) is JournalState.PUBLISHED
    assert len(rig.journalled()) == 2


def test_a_replayable_caller_gets_the_same_conflict(rig: Rig) -> None:
    event = evicted()
    rig.accept([event])

    with pytest.raises(EventIdConflictError):
        rig.accept_replayable([{**event, "subject": new_subject()}])
