"""replay_journal: every journalled event back onto its topic, in acceptance order; outages are reported."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from services.broker.admin import list_topics
from services.broker.errors import BrokerUnavailableError
from services.broker.records import CLOUDEVENTS_JSON, CONTENT_TYPE_HEADER, TRACEPARENT_HEADER
from services.db.engine import create_db_engine, create_session_factory
from services.journal.model import JournalRecord
from services.journal.replay import replay_journal
from services.journal.sql import SqlJournalStore
from services.process.children import free_port
from tests.support.kafka_io import ReadRecord, create_topic, read_all, unique_topic

pytestmark = [pytest.mark.db, pytest.mark.broker]

TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_db_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def journal(engine: Engine) -> SqlJournalStore:
    return SqlJournalStore(create_session_factory(engine))


def _record(topic: str, number: int, *, traceparent: str | None = None) -> JournalRecord:
    event_id = f"evt-{number:05d}-{uuid.uuid4().hex[:6]}"
    return JournalRecord(
        source="urn:nl:wijkbrug:org:woco",
        event_id=event_id,
        org_slug="woco",
        type="nl.wijkbrug.housing.repair.requested",
        content_hash=f"hash-{event_id}",
        topic=topic,
        key=f"hh:subject{number % 5:04d}",
        record=f'{{"id":"{event_id}","n":{number}}}',
        traceparent=traceparent,
    )


def _numbers(records: list[ReadRecord]) -> list[int]:
    return [int(record.value.decode().rsplit(":", 1)[1].rstrip("}")) for record in records]


def test_every_entry_goes_back_to_its_topic_in_acceptance_order(
    broker_bootstrap: str, journal: SqlJournalStore
) -> None:
    single = create_topic(broker_bootstrap, unique_topic("replay"), partitions=1)
    spread = create_topic(broker_bootstrap, unique_topic("replay"), partitions=3)
    # Accepted in several requests, interleaving the topics; more than one replay batch (1000) in all.
    accepted: list[JournalRecord] = []
    for start in range(0, 1200, 300):
        request = [_record(single if n % 3 else spread, n) for n in range(start, start + 300)]
        journal.record_pending(request)
        accepted.extend(request)
    journal.mark_published("urn:nl:wijkbrug:org:woco", [record.event_id for record in accepted[:500]])

    count = replay_journal(journal, broker_bootstrap, timeout_s=10)

    assert count == len(accepted) == 1200
    on_single = read_all(broker_bootstrap, single)
    assert _numbers(on_single) == [n for n in range(1200) if n % 3]  # one partition: the total order
    on_spread = read_all(broker_bootstrap, spread)
    assert sorted(_numbers(on_spread)) == [n for n in range(1200) if n % 3 == 0]
    for partition in range(3):
        numbers = _numbers([record for record in on_spread if record.partition == partition])
        assert numbers == sorted(numbers), f"partition {partition} out of acceptance order"
    by_value = {record.record.encode(): record for record in accepted}
    for read in on_single + on_spread:
        assert read.key == by_value[read.value].key.encode()
        assert read.headers == ((CONTENT_TYPE_HEADER, CLOUDEVENTS_JSON),)
    # The same key always lands on the same partition, so per-subject order holds on any partition count.
    partitions_per_key: dict[bytes | None, set[int]] = {}
    for read in on_spread:
        partitions_per_key.setdefault(read.key, set()).add(read.partition)
    assert all(len(partitions) == 1 for partitions in partitions_per_key.values())


def test_a_journalled_trace_context_travels_along(broker_bootstrap: str, journal: SqlJournalStore) -> None:
    topic = create_topic(broker_bootstrap, unique_topic("replay"), partitions=1)
    journal.record_pending([_record(topic, 1, traceparent=TRACEPARENT), _record(topic, 2)])

    assert replay_journal(journal, broker_bootstrap, timeout_s=10) == 2

    assert [record.headers for record in read_all(broker_bootstrap, topic)] == [
        ((CONTENT_TYPE_HEADER, CLOUDEVENTS_JSON), (TRACEPARENT_HEADER, TRACEPARENT.encode())),
        ((CONTENT_TYPE_HEADER, CLOUDEVENTS_JSON),),
    ]


def test_an_empty_journal_produces_nothing(broker_bootstrap: str, journal: SqlJournalStore) -> None:
    topic = create_topic(broker_bootstrap, unique_topic("replay"), partitions=2)
    topics_before = list_topics(broker_bootstrap)

    assert replay_journal(journal, broker_bootstrap, timeout_s=10) == 0

    assert read_all(broker_bootstrap, topic) == []
    assert list_topics(broker_bootstrap) == topics_before


def test_an_unreachable_broker_is_reported_within_the_timeout(journal: SqlJournalStore) -> None:
    journal.record_pending([_record("test.replay.unreachable", 1)])
    started = time.monotonic()

    with pytest.raises(BrokerUnavailableError, match="cannot replay"):
        replay_journal(journal, f"127.0.0.1:{free_port()}", timeout_s=1.0)

    assert time.monotonic() - started < 5.0
