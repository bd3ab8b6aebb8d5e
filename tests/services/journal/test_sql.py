"""SqlJournalStore: idempotency on (source, id), publication state and replay in acceptance order."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from services.db.models import JournalEntry
from services.journal.model import JournalRecord, JournalState, KnownEvent
from services.journal.sql import SqlJournalStore

pytestmark = pytest.mark.db

WOCO = "urn:nl:wijkbrug:org:woco"
GEMEENTE = "urn:nl:wijkbrug:org:gemeente"


#: The tables this store writes, children first; emptied before every test.
TABLES = (JournalEntry,)


@pytest.fixture
def journal(sessions: sessionmaker[Session]) -> SqlJournalStore:
    return SqlJournalStore(sessions)


def _record(event_id: str, source: str = WOCO, *, content: str = "v1") -> JournalRecord:
    return JournalRecord(
        source=source,
        event_id=event_id,
        org_slug=source.rsplit(":", 1)[-1],
        type="nl.wijkbrug.housing.repair.requested",
        content_hash=f"hash-{event_id}-{content}",
        topic=f"wijkbrug.inbound.{source.rsplit(':', 1)[-1]}",
        key=f"key-{event_id}",
        record=f'{{"id": "{event_id}", "content": "{content}"}}',
        traceparent=None if content == "v1" else f"00-{'1' * 32}-{'2' * 16}-01",
    )


def _replayed_ids(journal: SqlJournalStore, batch_size: int) -> list[list[str]]:
    return [
        [item.key.removeprefix("key-") for item in batch] for batch in journal.replay(batch_size=batch_size)
    ]


def test_known_tells_unknown_pending_and_published_apart(journal: SqlJournalStore) -> None:
    journal.record_pending([_record("e-pending"), _record("e-published")])
    journal.mark_published(WOCO, ["e-published"])

    known = journal.known(WOCO, ["e-unknown", "e-pending", "e-published"])

    assert dict(known) == {
        "e-pending": KnownEvent(content_hash="hash-e-pending-v1", state=JournalState.PENDING),
        "e-published": KnownEvent(content_hash="hash-e-published-v1", state=JournalState.PUBLISHED),
    }


def test_known_is_per_source(journal: SqlJournalStore) -> None:
    journal.record_pending([_record("e-1", WOCO)])

    assert set(journal.known(WOCO, ["e-1"])) == {"e-1"}
    assert dict(journal.known(GEMEENTE, ["e-1"])) == {}
    assert dict(journal.known(WOCO, [])) == {}


def test_record_pending_keeps_the_first_record_of_a_source_and_id(
    journal: SqlJournalStore, sessions: sessionmaker[Session]
) -> None:
    journal.record_pending([_record("e-1", content="v1")])
    journal.record_pending([_record("e-1", content="v2"), _record("e-2", content="v2")])
    journal.record_pending([_record("e-1", GEMEENTE, content="v2")])

    with sessions() as session:
        rows = session.scalars(select(JournalEntry).order_by(JournalEntry.seq)).all()

    assert [(row.source, row.event_id, row.content_hash) for row in rows] == [
        (WOCO, "e-1", "hash-e-1-v1"),
        (WOCO, "e-2", "hash-e-2-v2"),
        (GEMEENTE, "e-1", "hash-e-1-v2"),
    ]
    assert rows[0].record == _record("e-1", content="v1").record
    assert rows[0].traceparent is None
    assert rows[1].traceparent == _record("e-2", content="v2").traceparent
    assert all(row.published_at is None and row.accepted_at.utcoffset() is not None for row in rows)


def test_record_published_records_acknowledged_events_and_keeps_what_was_there(
    journal: SqlJournalStore,
) -> None:
    journal.record_pending([_record("e-pending")])

    journal.record_published([_record("e-pending", content="v2"), _record("e-new")])

    assert dict(journal.known(WOCO, ["e-pending", "e-new"])) == {
        "e-pending": KnownEvent(content_hash="hash-e-pending-v1", state=JournalState.PENDING),
        "e-new": KnownEvent(content_hash="hash-e-new-v1", state=JournalState.PUBLISHED),
    }
    assert _replayed_ids(journal, 10) == [["e-pending", "e-new"]]


def test_mark_published_marks_only_the_given_events_and_keeps_the_first_time(
    journal: SqlJournalStore, sessions: sessionmaker[Session]
) -> None:
    journal.record_pending([_record("e-1"), _record("e-2"), _record("e-1", GEMEENTE)])

    journal.mark_published(WOCO, ["e-1", "e-never-recorded"])
    with sessions() as session:
        first_time = session.scalar(
            select(JournalEntry.published_at).where(
                JournalEntry.source == WOCO, JournalEntry.event_id == "e-1"
            )
        )
    journal.mark_published(WOCO, ["e-1"])

    assert {k: v.state for k, v in journal.known(WOCO, ["e-1", "e-2"]).items()} == {
        "e-1": JournalState.PUBLISHED,
        "e-2": JournalState.PENDING,
    }
    assert journal.known(GEMEENTE, ["e-1"])["e-1"].state is JournalState.PENDING
    with sessions() as session:
        assert first_time is not None
        assert (
            session.scalar(
                select(JournalEntry.published_at).where(
                    JournalEntry.source == WOCO, JournalEntry.event_id == "e-1"
                )
            )
            == first_time
        )


def test_replay_yields_everything_in_acceptance_order_in_batches(journal: SqlJournalStore) -> None:
    # Ids deliberately out of alphabetical order, accepted in three calls and across two sources.
    journal.record_pending([_record("e-c"), _record("e-a")])
    journal.record_pending([_record("e-e", GEMEENTE)])
    journal.record_pending([_record("e-b"), _record("e-d", GEMEENTE)])
    journal.mark_published(WOCO, ["e-a"])

    batches = list(journal.replay(batch_size=2))

    assert [len(batch) for batch in batches] == [2, 2, 1]
    items = [item for batch in batches for item in batch]
    assert [item.key for item in items] == ["key-e-c", "key-e-a", "key-e-e", "key-e-b", "key-e-d"]
    assert [item.seq for item in items] == sorted({item.seq for item in items})
    assert items[2].topic == "wijkbrug.inbound.gemeente"
    assert items[0].record == _record("e-c").record
    assert all(item.accepted_at.utcoffset() is not None for item in items)


def test_replay_does_not_depend_on_the_batch_size(journal: SqlJournalStore) -> None:
    journal.record_pending([_record(f"e-{n}") for n in (3, 1, 4, 0, 2)])

    by_size = {size: _replayed_ids(journal, size) for size in (1, 3, 5, 1000)}

    assert {size: [len(batch) for batch in batches] for size, batches in by_size.items()} == {
        1: [1, 1, 1, 1, 1],
        3: [3, 2],
        5: [5],
        1000: [5],
    }
    for batches in by_size.values():
        assert [event_id for batch in batches for event_id in batch] == ["e-3", "e-1", "e-4", "e-0", "e-2"]


def test_an_empty_journal_replays_nothing(journal: SqlJournalStore) -> None:
    assert list(journal.replay(batch_size=2)) == []


def test_large_id_lists_are_looked_up_and_marked_completely(journal: SqlJournalStore) -> None:
    # More ids than one IN (...) clause takes; nearly all of them known, so no chunk boundary hides a miss.
    asked: Sequence[str] = [f"e-{n:05d}" for n in range(2500)]
    recorded = [event_id for n, event_id in enumerate(asked) if n % 10 != 7]
    journal.record_pending([_record(event_id) for event_id in recorded])

    known = journal.known(WOCO, [*asked, *asked[:50]])

    assert set(known) == set(recorded)
    assert {entry.state for entry in known.values()} == {JournalState.PENDING}

    journal.mark_published(WOCO, recorded)

    states = journal.known(WOCO, asked)
    assert set(states) == set(recorded)
    assert {entry.state for entry in states.values()} == {JournalState.PUBLISHED}
