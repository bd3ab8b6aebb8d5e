"""Where a file connector's time per row goes: each stage of `bench/connectors.py` on its own.

Generates the same VERA export as `bench/connectors.py` (20,000 rows by default) and times, per row:
reading and mapping (the connector's poll), the BSN guard, contract validation, admission (validation
plus the buurt), the canonical event and its content hash, the journal write (the bulk path the sink
uses, and SQLAlchemy's per-row parameters for comparison), and producing with `acks=all` into the
embedded broker, with the garbage collector tuned as `wijkbrug connector run` tunes it (`--default-gc`:
CPython's defaults). The sum of the stages the sink runs is what one process can do per row; this
machine's speed varies, so compare figures of one run with each other.

    .venv/bin/python bench/connector_costs.py [--rows 20000] [--default-gc]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.connectors import KEY_ENV, config, generate

T = TypeVar("T")


def timed(label: str, rows: int, work: Callable[[], T]) -> tuple[T, float]:
    """Run `work`, print its cost per row, return its result and that cost."""
    started = time.perf_counter()
    result = work()
    per_row = (time.perf_counter() - started) * 1e6 / rows
    print(f"  {label:<58} {per_row:7.1f} µs/row")
    return result, per_row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=20_000, help="data rows in the export (20,000)")
    parser.add_argument("--default-gc", action="store_true", help="keep CPython's collector settings")
    args = parser.parse_args()
    os.environ.setdefault(KEY_ENV, "bench-key-" + "k" * 32)

    from connectors.base import ConnectorContext
    from connectors.kinds.file import FileConnector
    from connectors.model import Emit
    from connectors.pseudonym import Pseudonymiser
    from schemas.identifiers import Domain
    from schemas.privacy import find_bsn_fields
    from schemas.validation import validate_event
    from services.broker.admin import ensure_topics
    from services.broker.embedded import EmbeddedBroker
    from services.broker.publisher import KafkaPublisher
    from services.broker.records import CLOUDEVENTS_JSON, CONTENT_TYPE_HEADER, OutboundRecord
    from services.broker.topics import TopicSpec
    from services.config import Settings
    from services.db.models import JournalEntry
    from services.db.types import utcnow
    from services.db.upsert import insert_ignoring_conflicts
    from services.deployment import open_deployment
    from services.directory.model import Organisation
    from services.geo.registry import BuurtRegistry
    from services.geo.store import SqlBuurtStore
    from services.ingest.admission import admit
    from services.journal.model import JournalRecord
    from services.journal.sql import SqlJournalStore, journal_values
    from services.process.gc_tuning import tune_for_batches

    rows = args.rows
    with tempfile.TemporaryDirectory(prefix="wijkbrug-bench-costs-") as tmp:
        root = Path(tmp)
        (root / "exports").mkdir()
        generate(root / "exports" / "signaleringen.csv", rows, 0)
        connector = FileConnector(
            config(root / "exports", rows), ConnectorContext("bench", Pseudonymiser.from_env(KEY_ENV))
        )
        connector.setup()
        if not args.default_gc:
            tune_for_batches()
        deployment = open_deployment(Settings(data_dir=root / "data", kafka_bootstrap="127.0.0.1:1"))
        registry = BuurtRegistry(SqlBuurtStore(deployment.sessions).load_all())
        org = Organisation(slug="woco", domain=Domain.HOUSING, name="Woco")
        now = datetime.now(UTC)
        print(f"{rows:,} rows, per row:")

        batch, read = timed("read and map (the connector's poll)", rows, lambda: connector.poll(None))
        events = [dict(outcome.event) for outcome in batch.outcomes if isinstance(outcome, Emit)]
        timed("  of the validation: the BSN guard", rows, lambda: [find_bsn_fields(e) for e in events])
        timed(
            "  of the admission: contract validation",
            rows,
            lambda: [validate_event(e, now=now) for e in events],
        )
        admissions, admitted = timed(
            "admission (validation and buurt)",
            rows,
            lambda: [admit(e, org, registry, now=now) for e in events],
        )

        def canonical() -> list[JournalRecord]:
            records = []
            for admission in admissions:
                wire = admission.wire()
                records.append(
                    JournalRecord.of(
                        wire, source=org.source, org_slug="woco", topic="t", key=str(wire["subject"])
                    )
                )
            return records

        records, prepared = timed("canonical event and content hash", rows, canonical)
        store = SqlJournalStore(deployment.sessions)
        _, journal = timed("journal write, bulk (SQLite)", rows, lambda: store.record_published(records))
        stamp = utcnow()
        renamed = [
            JournalRecord(**{**record.__dict__, "event_id": record.event_id + "-orm"}) for record in records
        ]

        def orm_insert() -> None:
            with deployment.sessions.begin() as session:
                values = [journal_values(record, stamp, stamp) for record in renamed]
                insert_ignoring_conflicts(session, JournalEntry.__table__, values, ("source", "event_id"))  # type: ignore[arg-type]

        timed("  for comparison: SQLAlchemy's per-row parameters", rows, orm_insert)
        deployment.close()

        broker = EmbeddedBroker(log_file=root / "broker.log")
        bootstrap = broker.start()
        try:
            ensure_topics(bootstrap, [TopicSpec("bench.costs", 4)])
            publisher = KafkaPublisher(bootstrap, client_id="bench-costs")
            outbound = [
                OutboundRecord(
                    topic="bench.costs",
                    key=record.key.encode(),
                    value=record.record.encode(),
                    headers=[(CONTENT_TYPE_HEADER, CLOUDEVENTS_JSON)],
                )
                for record in records
            ]
            asyncio.run(publisher.publish(outbound[:100]))  # connect and fetch metadata first

            def produce(batches: Sequence[Sequence[OutboundRecord]]) -> None:
                async def all_batches() -> None:
                    for batch_records in batches:
                        await publisher.publish(batch_records)

                asyncio.run(all_batches())

            chunks = [outbound[start : start + 5000] for start in range(0, len(outbound), 5000)]
            _, produced = timed("produce, acks=all, batches of 5,000", rows, lambda: produce(chunks))
            publisher.close()
        finally:
            broker.stop()
    total = read + admitted + prepared + journal + produced
    print(f"sum of the stages: {total:.1f} µs/row, at most {1e6 / total:,.0f} rows/s in one process")


if __name__ == "__main__":
    main()
