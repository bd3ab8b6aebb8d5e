"""Checking events for the journal: admission, then the canonical record an admitted event is kept as.

A pure function of the events, the organisation, the buurt registry, the inbound topic and the time, so
that it gives the same verdicts wherever it runs: in the gateway's process, or in a worker process that
checks a connector's batches beside it (`services.ingest.pool`). Verdicts are plain, picklable values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from schemas.issues import Issue
from services.directory.model import Organisation
from services.geo.registry import BuurtRegistry
from services.ingest.admission import admit
from services.journal.model import JournalRecord


@dataclass(frozen=True)
class CheckedEvent:
    """An admitted event in its canonical form, as it is journalled and produced."""

    record: JournalRecord
    traceparent: str | None = None
    """The partner's trace (the CloudEvents tracing extension), for a link from the producer span."""


@dataclass(frozen=True)
class Verdict:
    """The outcome of checking one event: `event` when it is admitted, else the issues keeping it out."""

    event: CheckedEvent | None = None
    forbidden: tuple[Issue, ...] = ()
    invalid: tuple[Issue, ...] = ()

    def __post_init__(self) -> None:
        if (self.event is None) == (not self.issues):
            raise ValueError("a verdict holds either an admitted event or the issues keeping it out")

    @property
    def issues(self) -> tuple[Issue, ...]:
        return (*self.forbidden, *self.invalid)


def check_event(
    raw: Any, org: Organisation, *, registry: BuurtRegistry, topic: str, now: datetime
) -> Verdict:
    """The verdict on `raw` as published by `org`, with its record on `topic` when admitted."""
    admission = admit(raw, org, registry, now=now)
    if not admission.admitted or admission.event is None:
        return Verdict(forbidden=admission.forbidden, invalid=admission.invalid)
    wire = admission.wire()
    record = JournalRecord.of(
        wire, source=org.source, org_slug=org.slug, topic=topic, key=str(wire["subject"])
    )
    return Verdict(CheckedEvent(record, admission.event.envelope.traceparent))


def check_events(
    events: Sequence[Any], org: Organisation, *, registry: BuurtRegistry, topic: str, now: datetime
) -> list[Verdict]:
    """`check_event` for each of `events`, in order."""
    return [check_event(raw, org, registry=registry, topic=topic, now=now) for raw in events]
