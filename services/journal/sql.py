"""The ingest journal on SQLAlchemy."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from services.db.models import JournalEntry
from services.db.types import utcnow
from services.db.upsert import insert_many_ignoring_conflicts
from services.journal.model import JournalRecord, JournalState, KnownEvent, ReplayItem

#: Bound parameters per IN (...) clause; SQLite allows 32766, PostgreSQL 65535.
_CHUNK = 900

#: The columns a new journal row is written with (`seq` is generated), in the order of `journal_row`.
_COLUMNS = (
    "source",
    "event_id",
    "org_slug",
    "type",
    "content_hash",
    "topic",
    "key",
    "record",
    "traceparent",
    "accepted_at",
    "published_at",
)


class SqlJournalStore:
    """JournalStore on a SQLAlchemy session factory."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def known(self, source: str, event_ids: Iterable[str]) -> Mapping[str, KnownEvent]:
        ids = list(dict.fromkeys(event_ids))
        found: dict[str, KnownEvent] = {}
        with self._sessions() as session:
            for start in range(0, len(ids), _CHUNK):
                rows = session.execute(
                    select(JournalEntry.event_id, JournalEntry.content_hash, JournalEntry.published_at).where(
                        JournalEntry.source == source, JournalEntry.event_id.in_(ids[start : start + _CHUNK])
                    )
                )
                for event_id, content_hash, published_at in rows:
                    state = JournalState.PENDING if published_at is None else JournalState.PUBLISHED
                    found[event_id] = KnownEvent(content_hash=content_hash, state=state)
        return found

    def record_pending(self, records: Sequence[JournalRecord]) -> None:
        self._insert(records, published=False)

    def record_published(self, records: Sequence[JournalRecord]) -> None:
        self._insert(records, published=True)

    def _insert(self, records: Sequence[JournalRecord], *, published: bool) -> None:
        now = utcnow()
        published_at = now if published else None
        rows = [journal_row(record, now, published_at) for record in records]
        with self._sessions.begin() as session:
            table = JournalEntry.__table__
            insert_many_ignoring_conflicts(session, table, _COLUMNS, rows, ("source", "event_id"))  # type: ignore[arg-type]

    def mark_published(self, source: str, event_ids: Sequence[str]) -> None:
        now = utcnow()
        with self._sessions.begin() as session:
            for start in range(0, len(event_ids), _CHUNK):
                session.execute(
                    update(JournalEntry)
                    .where(
                        JournalEntry.source == source,
                        JournalEntry.event_id.in_(event_ids[start : start + _CHUNK]),
                        JournalEntry.published_at.is_(None),
                    )
                    .values(published_at=now)
                )

    def pending(self, source: str, limit: int = 100) -> Sequence[JournalRecord]:
        with self._sessions() as session:
            rows = session.scalars(
                select(JournalEntry)
                .where(JournalEntry.source == source, JournalEntry.published_at.is_(None))
                .order_by(JournalEntry.seq)
                .limit(limit)
            ).all()
            return [
                JournalRecord(
                    source=row.source,
                    event_id=row.event_id,
                    org_slug=row.org_slug,
                    type=row.type,
                    content_hash=row.content_hash,
                    topic=row.topic,
                    key=row.key,
                    record=row.record,
                    traceparent=row.traceparent,
                )
                for row in rows
            ]

    def replay(self, batch_size: int = 1000) -> Iterator[Sequence[ReplayItem]]:
        after = 0
        while True:
            with self._sessions() as session:
                rows = session.execute(
                    select(
                        JournalEntry.seq,
                        JournalEntry.topic,
                        JournalEntry.key,
                        JournalEntry.record,
                        JournalEntry.traceparent,
                        JournalEntry.accepted_at,
                    )
                    .where(JournalEntry.seq > after)
                    .order_by(JournalEntry.seq)
                    .limit(batch_size)
                ).all()
            if not rows:
                return
            yield [ReplayItem(*row) for row in rows]
            after = rows[-1][0]


def journal_row(
    record: JournalRecord, accepted_at: datetime, published_at: datetime | None
) -> tuple[Any, ...]:
    """The journal row of `record` as a tuple in `_COLUMNS` order (for bulk inserts)."""
    # Field by field: dataclasses.astuple deep-copies every value and costs more than the insert.
    return (
        record.source,
        record.event_id,
        record.org_slug,
        record.type,
        record.content_hash,
        record.topic,
        record.key,
        record.record,
        record.traceparent,
        accepted_at,
        published_at,
    )


def journal_values(
    record: JournalRecord, accepted_at: datetime, published_at: datetime | None
) -> dict[str, Any]:
    """The journal row of `record` by column (also written by the decision outbox in its own transaction)."""
    return dict(zip(_COLUMNS, journal_row(record, accepted_at, published_at), strict=True))
