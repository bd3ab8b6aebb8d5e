"""File connector benchmark: a 1,000,000-row VERA signaleringen export through the real hub sink.

Generates the export (semicolon-separated, Dutch dates and amounts, 16-digit BAG ids pseudonymised to
`hh:`), starts an embedded broker, opens a SQLite deployment with a housing organisation, and runs the
file connector once as `wijkbrug connector run FILE --once` does (`ConnectorRunner.run(once=True)`, the
garbage collector tuned, the checks in one worker process): mapping, admission (contract validation,
buurt), the ingest journal, produce with acks=all, checkpoints. Prints rows/s end to end, and the time
spent in the connector's polls (reading and mapping), the sink's checks and its deliveries (journal,
broker), which overlap.

    .venv/bin/python bench/connectors.py [--rows 1000000] [--batch-rows 5000] [--bad 3] [--default-gc]
                                         [--check-processes 1]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from connectors.assembly import hub_sink
from connectors.base import ConnectorContext
from connectors.config import validate_config
from connectors.kinds.file import FileConfig, FileConnector
from connectors.model import Batch, Checked, Checkpoint, Emit, Reject
from connectors.pseudonym import Pseudonymiser
from connectors.runner import ConnectorRunner
from connectors.sinks import HubSink
from connectors.state_sql import SqlConnectorStateStore
from schemas.identifiers import Domain
from services.broker.admin import ensure_topics
from services.broker.embedded import EmbeddedBroker
from services.broker.topics import Topology
from services.config import Settings
from services.deployment import open_deployment
from services.directory.sql import SqlDirectoryStore
from services.process.gc_tuning import tune_for_batches

HEADER = "signalering_id;vbo_id;soort;detail;datum;bedrag;maanden;zittingsdatum;ontruimingsdatum;buurtcode\n"
KINDS = (("SCH", "BET"), ("SCH", "BET"), ("OVE", "GEL"), ("SCH", "DEU"), ("OTR", "AAN"), ("OTR", "ONT"))
BUURTEN = ("BU0363AD05", "BU0363AE05", "BU0363AA01", "BU0363AA02")
KEY_ENV = "WIJKBRUG_BENCH_PSEUDONYM_KEY"


def generate(path: Path, rows: int, bad: int, seed: int = 7) -> None:
    """`rows` data rows; `bad` of them (spread evenly) carry an impossible date."""
    rng = random.Random(seed)
    every = rows // bad if bad else rows + 1
    with path.open("w", encoding="utf-8") as handle:
        handle.write(HEADER)
        lines = []
        for number in range(1, rows + 1):
            soort, detail = KINDS[number % len(KINDS)]
            day = (
                "31-02-2026"
                if number % every == 0
                else f"{rng.randint(1, 28):02d}-{rng.randint(1, 9):02d}-2026"
            )
            lines.append(
                f"SIG-{number:08d};0363010{rng.randrange(10**9):09d};{soort};{detail};{day};"
                f"{rng.randint(100, 5000)},{rng.randint(0, 99):02d};{rng.randint(1, 6)};01-10-2026;"
                f"15-10-2026;{BUURTEN[number % len(BUURTEN)]}\n"
            )
            if len(lines) == 10_000:
                handle.writelines(lines)
                lines.clear()
        handle.writelines(lines)
    old = time.time() - 10
    os.utime(path, (old, old))


def config(directory: Path, batch_rows: int) -> FileConfig:
    document: dict[str, Any] = {
        "name": "bench-vera",
        "kind": "file",
        "org": "woco",
        "pseudonymisation": {"key_env": KEY_ENV},
        "directory": str(directory),
        "pattern": "*.csv",
        "format": "csv",
        "csv": {"delimiter": ";"},
        "batch_rows": batch_rows,
        "mapping": {
            "type_from": {
                "columns": ["soort", "detail"],
                "map": {
                    "SCH/BET": "housing.arrears.signalled",
                    "SCH/DEU": "housing.eviction.summoned",
                    "OTR/AAN": "housing.eviction.scheduled",
                    "OTR/ONT": "housing.eviction.executed",
                    "OVE/*": "housing.nuisance.reported",
                },
            },
            "id": {"template": "vera-{signalering_id}"},
            "time": {"column": "datum", "format": "%d-%m-%Y"},
            "subject": {"column": "vbo_id", "pseudonym": "hh"},
            "buurt": {"column": "buurtcode"},
            "data": {
                "amount_eur": {"column": "bedrag", "type": "number", "decimal": ","},
                "months_in_arrears": {"column": "maanden", "type": "int"},
                "court_date": {"column": "zittingsdatum", "type": "date", "format": "%d-%m-%Y"},
                "eviction_date": {"column": "ontruimingsdatum", "type": "date", "format": "%d-%m-%Y"},
                "category": {"column": "detail", "map": {"GEL": "geluid"}},
            },
        },
    }
    return validate_config(FileConfig, document, "bench")


class TimedConnector(FileConnector):
    """The file connector, adding up the time its polls take."""

    poll_s = 0.0

    def poll(self, checkpoint: Checkpoint | None) -> Batch:
        started = time.perf_counter()
        try:
            return super().poll(checkpoint)
        finally:
            self.poll_s += time.perf_counter() - started


class TimedSink:
    """The hub sink, adding up the time its checks, deliveries and dead letters take, and counting them.

    Checks run ahead of deliveries (in the check pool's worker process for large batches), so the two
    times overlap and add up to more than the run.
    """

    def __init__(self, sink: HubSink) -> None:
        self._sink = sink
        self.check_s = 0.0
        self.deliver_s = 0.0
        self.delivered = 0
        self.dead_lettered = 0

    async def check(self, emits: Sequence[Emit]) -> Checked[Any]:
        started = time.perf_counter()
        checked = await self._sink.check(emits)
        self.check_s += time.perf_counter() - started
        return checked

    async def deliver(self, checked: Checked[Any]) -> list[Reject]:
        started = time.perf_counter()
        refused = await self._sink.deliver(checked)
        self.deliver_s += time.perf_counter() - started
        self.delivered += len(checked.passed) - len(refused)
        return refused

    async def dead_letter(self, connector: str, rejects: Sequence[Reject]) -> None:
        started = time.perf_counter()
        await self._sink.dead_letter(connector, rejects)
        self.deliver_s += time.perf_counter() - started
        self.dead_lettered += len(rejects)

    def close(self) -> None:
        self._sink.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000, help="data rows in the export (1,000,000)")
    parser.add_argument("--batch-rows", type=int, default=5000, help="rows per poll and delivery (5000)")
    parser.add_argument("--bad", type=int, default=3, help="rows with an impossible date (3)")
    parser.add_argument(
        "--default-gc",
        action="store_true",
        help="keep CPython's collector settings (`connector run` tunes them: services.process.gc_tuning)",
    )
    parser.add_argument(
        "--check-processes",
        type=int,
        default=1,
        help="worker processes for the sink's checks (1, as `connector run`; 0: in the connector's own)",
    )
    args = parser.parse_args()
    os.environ.setdefault(KEY_ENV, "bench-key-" + "k" * 32)
    with tempfile.TemporaryDirectory(prefix="wijkbrug-bench-connectors-") as tmp:
        root = Path(tmp)
        exports = root / "exports"
        exports.mkdir()
        started = time.perf_counter()
        generate(exports / "signaleringen.csv", args.rows, args.bad)
        size = (exports / "signaleringen.csv").stat().st_size
        print(f"generated {args.rows:,} rows ({size / 1e6:.0f} MB) in {time.perf_counter() - started:.1f} s")
        broker = EmbeddedBroker(log_file=root / "broker.log")
        bootstrap = broker.start()
        try:
            settings = Settings(
                data_dir=root / "data",
                kafka_bootstrap=bootstrap,
                topic_prefix="bench",
                connector_check_processes=args.check_processes,
            )
            deployment = open_deployment(settings)
            SqlDirectoryStore(deployment.sessions).add_organisation("woco", Domain.HOUSING, "Woco")
            topology = Topology.from_settings(settings)
            ensure_topics(bootstrap, topology.all_specs(["woco"]))
            file_config = config(exports, args.batch_rows)
            connector = TimedConnector(
                file_config, ConnectorContext("bench", Pseudonymiser.from_env(KEY_ENV))
            )
            sink = TimedSink(hub_sink(file_config, "bench", settings, deployment))
            runner = ConnectorRunner(connector, sink, SqlConnectorStateStore(deployment.sessions))
            if not args.default_gc:
                tune_for_batches()
            started = time.perf_counter()
            state = asyncio.run(runner.run(asyncio.Event(), once=True))
            elapsed = time.perf_counter() - started
            deployment.close()
        finally:
            broker.stop()
    rows = sink.delivered + sink.dead_lettered
    print(f"connector {state.value}: {sink.delivered:,} events, {sink.dead_lettered:,} dead letters")
    rate = rows / elapsed
    print(f"file connector into the embedded broker: {rows:,} rows in {elapsed:.1f} s = {rate:,.0f} rows/s")
    print(
        f"  time in the stages, which overlap: polls (read + map) {connector.poll_s:.1f} s, "
        f"checks (admission + canonical form) {sink.check_s:.1f} s, deliveries (journal + produce + "
        f"dead letters) {sink.deliver_s:.1f} s"
    )


if __name__ == "__main__":
    main()
