"""Where a file connector's time per row goes: each stage of `bench/connectors.py` on its own.

Generates the same VERA export as `bench/connectors.py` (20,000 rows by default) and times, per row:
reading and mapping (the connector's poll), the sink's check (the BSN guard, contract validation,
admission with the buurt, the canonical event and its content hash), handing a batch to the check
worker and its verdicts back (pickling both ways), the journal write (the bulk path the sink uses, and
SQLAlchemy's per-row parameters for comparison), and producing with `acks=all` into the embedded broker,
with the garbage collector tuned as `wijkbrug connector run` tunes it (`--default-gc`: CPython's
defaults).

`connector run` splits the work over two processes that run at once: the connector's (read and map,
journal, produce) and its check worker's (check, with the hand-over). The busier of the two bounds the
rate. This machine's speed varies, so compare figures of one run with each other.

    .venv/bin/python bench/connector_costs.py [--rows 20000] [--default-gc]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import pickle
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
    from services.ingest.check import check_events
    from services.ingest.pool import pack_verdict, unpack_verdict
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
        timed("  of the check: the BSN guard", rows, lambda: [find_bsn_fields(e) for e in events])
        timed(
            "  of the check: contract validation", rows, lambda: [validate_event(e, now=now) for e in events]
        )
        topic = "bench.inbound.woco"
        verdicts, checked = timed(
            "check (admission, canonical event, content hash)",
            rows,
            lambda: check_events(events, org, registry=registry, topic=topic, now=now),
        )

        def hand_over() -> None:
            # The bench's own pickles, as the check pool's (both ends are this process).
            batch = pickle.dumps((events, org, topic, now), protocol=pickle.HIGHEST_PROTOCOL)
            pickle.loads(batch)  # noqa: S301
            packed = pickle.dumps([pack_verdict(v) for v in verdicts], protocol=pickle.HIGHEST_PROTOCOL)
            [unpack_verdict(item, org, topic) for item in pickle.loads(packed)]  # noqa: S301

        _, handed = timed("to the check worker and back (pickling)", rows, hand_over)
        records = [verdict.event.record for verdict in verdicts if verdict.event is not None]
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
    own = read + journal + produced
    worker = checked + handed
    print(f"the connector's process: {own:.1f} µs/row (read and map, journal, produce)")
    print(f"its check worker: {worker:.1f} µs/row (check, hand-over)")
    print(
        f"at most {1e6 / max(own, worker):,.0f} rows/s with the two side by side, "
        f"{1e6 / (read + checked + journal + produced):,.0f} rows/s in one process"
    )


if __name__ == "__main__":
    main()
