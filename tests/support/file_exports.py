"""Export files for the file connector's tests: the samples, generated VERA exports, and a runner of polls."""

from __future__ import annotations

import json
import os
import random
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from connectors.base import ConnectorContext
from connectors.config import validate_config
from connectors.kinds.file import FileConfig, FileConnector
from connectors.model import Batch, Checkpoint, Emit, Outcome, Reject
from connectors.pseudonym import Pseudonymiser

SAMPLES = Path(__file__).resolve().parents[1] / "connectors" / "kinds" / "samples"
KEY = b"file-connector-test-key-0123456789"
VERA_HEADER = (
    "signalering_id;vbo_id;huurder_naam;soort;detail;datum;bedrag;maanden;zittingsdatum;ontruimingsdatum;"
    "buurtcode\n"
)


def pseudonymiser() -> Pseudonymiser:
    return Pseudonymiser(KEY)


def sample_config(stem: str, directory: Path, **overrides: Any) -> FileConfig:
    """The sample configuration `<stem>.yaml`, watching `directory`, every file name matching."""
    document = yaml.safe_load((SAMPLES / f"{stem}.yaml").read_text(encoding="utf-8"))
    document.update({"directory": str(directory), "pattern": "*", **overrides})
    return validate_config(FileConfig, document, f"{stem}.yaml")


def settle(path: Path) -> Path:
    """Make `path` look written a while ago (the connector skips files modified in the last second)."""
    moment = time.time() - 10
    os.utime(path, (moment, moment))
    return path


def drop(source: Path, directory: Path, name: str | None = None) -> Path:
    """Copy `source` into the watched `directory` (as `name`), settled."""
    target = directory / (name or source.name)
    shutil.copyfile(source, target)
    return settle(target)


def vera_export(
    path: Path, rows: int, bad: dict[int, str] | None = None, seed: int = 3
) -> dict[str, set[str]]:
    """A VERA signaleringen export of `rows` data rows; `bad` maps a row number to what is wrong with it
    ("date", "code", "number", "columns"). Returns the raw values of its identifying columns."""
    rng = random.Random(seed)
    bad = bad or {}
    kinds = (("SCH", "BET"), ("OVE", "GEL"), ("SCH", "DEU"))
    secrets: dict[str, set[str]] = {"vbo_id": set(), "huurder_naam": set()}
    lines = [VERA_HEADER]
    for number in range(1, rows + 1):
        soort, detail = kinds[number % len(kinds)]
        vbo = f"0363010{rng.randrange(10**9):09d}"
        name = f"Huurder {rng.randrange(10**6):06d}"
        secrets["vbo_id"].add(vbo)
        secrets["huurder_naam"].add(name)
        day, amount = f"{rng.randint(1, 28):02d}-{rng.randint(1, 9):02d}-2026", f"{rng.randint(1, 4000)},25"
        problem = bad.get(number)
        if problem == "date":
            day = "31-02-2026"
        elif problem == "code":
            soort, detail = "AGR", "BED"
        elif problem == "number":
            soort, detail, amount = "SCH", "BET", "veel"
        fields = [
            f"SIG-{number:06d}",
            vbo,
            name,
            soort,
            detail,
            day,
            amount,
            str(rng.randint(1, 6)),
            "",
            "",
            "BU0363AD05",
        ]
        if problem == "columns":
            fields.append("extra")
        lines.append(";".join(fields) + "\n")
    path.write_text("".join(lines), encoding="utf-8")
    settle(path)
    return secrets


@dataclass
class PollRun:
    """What polling until `more=False` produced."""

    emits: list[Emit] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    checkpoint: Checkpoint | None = None
    polls: int = 0

    def as_json(self) -> str:
        """Everything that leaves the connector, serialised (for privacy scans)."""
        outcomes: list[Outcome] = [*self.emits, *self.rejects]
        return json.dumps([asdict(outcome) for outcome in outcomes] + [self.checkpoint], default=str)


def poll_all(connector: FileConnector, checkpoint: Checkpoint | None = None, limit: int = 10_000) -> PollRun:
    """Poll as the runner does (each checkpoint fed back, and `committed` as if it was saved) until the
    connector has nothing more."""
    run = PollRun(checkpoint=checkpoint)
    for _ in range(limit):
        batch: Batch = connector.poll(run.checkpoint)
        run.polls += 1
        run.emits += [o for o in batch.outcomes if isinstance(o, Emit)]
        run.rejects += [o for o in batch.outcomes if isinstance(o, Reject)]
        if batch.checkpoint is not None:
            run.checkpoint = batch.checkpoint
        connector.committed(run.checkpoint)
        if not batch.more:
            return run
    raise AssertionError(f"the connector still had more after {limit} polls")


def connector(config: FileConfig) -> FileConnector:
    """A set-up file connector with the test key."""
    instance = FileConnector(config, ConnectorContext(file="test.yaml", pseudonymiser=pseudonymiser()))
    instance.setup()
    return instance
