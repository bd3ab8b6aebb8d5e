"""Generated event streams for the rule benchmarks: many households, every type the default pack uses."""

from __future__ import annotations

import json
import random
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

START = datetime(2025, 1, 1, tzinfo=UTC)
SPAN_DAYS = 365
BUURTEN = ("BU0363AE01", "BU0363NK03", "BU0363TB01", "BU0363FH02", "BU0363MG01", "BU0363KE04", "BU0363EE01")

# (weight, organisation, type after nl.wijkbrug., data factory): roughly a municipality's year, in which most
# events are routine (early signals, arrears signals, repairs, care) and the clashes are rare.
HOUSEHOLD_EVENTS: tuple[tuple[int, str, str, Any], ...] = (
    (
        250,
        "sociaal",
        "social.early_signal.received",
        lambda r: {
            "signal_source": r.choice(("huur", "energie", "water")),
            "amount_eur": float(r.randint(50, 900)),
        },
    ),
    (
        200,
        "woco",
        "housing.arrears.signalled",
        lambda r: {"months_in_arrears": r.randint(1, 6), "amount_eur": float(r.randint(200, 5000))},
    ),
    (120, "woco", "housing.repair.requested", lambda r: {"category": "lekkage"}),
    (100, "woco", "housing.repair.completed", lambda r: {}),
    (70, "sociaal", "social.care.started", lambda r: {"kind": r.choice(("wmo", "wmo", "jeugd"))}),
    (50, "sociaal", "social.care.ended", lambda r: {"kind": r.choice(("wmo", "wmo", "jeugd"))}),
    (50, "woco", "housing.nuisance.reported", lambda r: {"category": "GEL"}),
    (30, "sociaal", "social.debt_assistance.started", lambda r: {}),
    (20, "sociaal", "social.debt_assistance.ended", lambda r: {"reason": "afgerond"}),
    (10, "sociaal", "social.benefit.stopped", lambda r: {}),
    (20, "sociaal", "social.benefit.reclaimed", lambda r: {"amount_eur": float(r.randint(100, 3000))}),
    (15, "woco", "housing.eviction.summoned", lambda r: {}),
    (7, "woco", "housing.eviction.scheduled", lambda r: {"eviction_date": "2026-03-01"}),
    (5, "woco", "housing.eviction.cancelled", lambda r: {"reason": "betalingsregeling"}),
    (2, "woco", "housing.eviction.executed", lambda r: {}),
    (10, "politie", "safety.enforcement.action", lambda r: {"measure": "waarschuwing"}),
    (
        1,
        "politie",
        "safety.house_closure.ordered",
        lambda r: {"closure_date": "2026-01-01", "legal_basis": "art. 13b"},
    ),
    (5, "gemeente", "municipality.enforcement.action", lambda r: {"measure": "last onder dwangsom"}),
)
LOCATION_EVENTS: tuple[tuple[int, str, str, Any], ...] = (
    (
        10,
        "gemeente",
        "municipality.report.created",
        lambda r: {"category": "afval", "external_id": f"SIG-{r.randint(1, 10**6)}", "state": "m"},
    ),
    (
        5,
        "gemeente",
        "municipality.report.status_changed",
        lambda r: {"external_id": "SIG-1", "state": r.choice(("b", "h", "o", "ingepland"))},
    ),
    (5, "woco", "housing.nuisance.reported", lambda r: {"category": "GEL"}),
    (5, "politie", "safety.incident.registered", lambda r: {"category": "overlast"}),
)


def _weighted(table: tuple[tuple[int, str, str, Any], ...]) -> list[tuple[str, str, Any]]:
    return [(org, kind, factory) for weight, org, kind, factory in table for _ in range(weight)]


def generate(events: int, households: int, seed: int = 2026) -> Iterator[dict[str, Any]]:
    """`events` CloudEvents over `households` households (as many places, a fiftieth as many initiatives),
    roughly in time order (a day of disorder), with ids unique per run."""
    rng = random.Random(seed)
    household_picks = _weighted(HOUSEHOLD_EVENTS)
    location_picks = _weighted(LOCATION_EVENTS)
    places = households
    initiatives = max(1, households // 50)
    step = SPAN_DAYS * 86400 / events
    for number in range(events):
        base = START + timedelta(seconds=number * step + rng.uniform(-43200, 43200))
        roll = rng.random()
        if roll < 0.875:
            org, kind, factory = rng.choice(household_picks)
            subject = f"hh:household-{rng.randrange(households):07d}"
            data = factory(rng)
        elif roll < 0.995:
            org, kind, factory = rng.choice(location_picks)
            subject = f"loc:place-{rng.randrange(places):07d}"
            data = factory(rng)
        else:
            org = "gemeente"
            subject = f"ini:initiative-{rng.randrange(initiatives):07d}"
            permit = f"P-{subject[-4:]}-{rng.randrange(3)}"
            if rng.random() < 0.55:
                kind, data = (
                    "municipality.permit.requested",
                    {"permit_id": permit, "permit_type": "evenement", "initiative_id": "BI-1"},
                )
            else:
                kind = "municipality.permit.decided"
                data = {
                    "permit_id": permit,
                    "outcome": rng.choice(("granted", "refused")),
                    "initiative_id": "BI-1",
                }
        yield {
            "specversion": "1.0",
            "id": f"bench-{number}",
            "source": f"urn:nl:wijkbrug:org:{org}",
            "type": f"nl.wijkbrug.{kind}",
            "time": base.isoformat().replace("+00:00", "Z"),
            "subject": subject,
            "buurt": BUURTEN[zlib.crc32(subject.encode()) % len(BUURTEN)],
            "data": data,
        }


def write_jsonl(path: Path, events: int, households: int, seed: int = 2026) -> int:
    """Write a generated stream to `path`; returns its size in bytes."""
    with path.open("w", encoding="utf-8") as handle:
        for event in generate(events, households, seed):
            handle.write(json.dumps(event, separators=(",", ":")))
            handle.write("\n")
    return path.stat().st_size
