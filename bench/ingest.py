"""Ingest benchmark on the embedded broker: accepted events/s for batches of 500, and the time from a
202 to the escalation appearing in the API (p50/p99).

    .venv/bin/python bench/ingest.py [--batches 60] [--clients 4] [--samples 60]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import BenchHub, running_hub

BATCH = 500
BUURT = "BU0363AE01"


def event(org: str, type_suffix: str, subject: str, time_: str, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": uuid.uuid4().hex,
        "source": f"urn:nl:wijkbrug:org:{org}",
        "type": f"nl.wijkbrug.{type_suffix}",
        "time": time_,
        "subject": subject,
        "buurt": BUURT,
        "data": data,
    }


def batch_body() -> str:
    """500 arrears signals for distinct households (they open no escalation on their own)."""
    return json.dumps(
        [
            event(
                "woco",
                "housing.arrears.signalled",
                f"hh:{uuid.uuid4().hex[:20]}",
                "2026-10-01T09:00:00Z",
                {"months_in_arrears": 2, "amount_eur": 750.0},
            )
            for _ in range(BATCH)
        ]
    )


def throughput(hub: BenchHub, token: str, batches: int, clients: int) -> tuple[float, int]:
    """Post `batches` batches of 500 arrears signals from `clients` threads; returns (events/s, events)."""
    bodies = [batch_body() for _ in range(batches)]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/cloudevents-batch+json"}
    local = threading.local()

    def post(body: str) -> int:
        if not hasattr(local, "client"):
            local.client = httpx.Client(base_url=hub.base_url, headers=headers, timeout=60)
        response = local.client.post("/api/v1/events", content=body)
        if response.status_code != 202:
            raise RuntimeError(f"{response.status_code}: {response.text[:300]}")
        return len(response.json()["accepted"])

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        accepted = sum(pool.map(post, bodies))
    return accepted / (time.perf_counter() - started), accepted


def latency(hub: BenchHub, housing: str, social: str, reader: str, samples: int) -> list[float]:
    """Seconds from the 202 of the second event of a clash to its escalation in the API."""
    results = []
    with (
        httpx.Client(
            base_url=hub.base_url, headers={"Authorization": f"Bearer {housing}"}, timeout=30
        ) as woco,
        httpx.Client(
            base_url=hub.base_url, headers={"Authorization": f"Bearer {social}"}, timeout=30
        ) as gemeente,
        httpx.Client(base_url=hub.base_url, headers={"Authorization": f"Bearer {reader}"}, timeout=30) as api,
    ):
        for _ in range(samples):
            subject = f"hh:{uuid.uuid4().hex[:20]}"
            debt = event("sociaal", "social.debt_assistance.started", subject, "2026-09-01T09:00:00Z", {})
            summons = event("woco", "housing.eviction.summoned", subject, "2026-09-10T09:00:00Z", {})
            assert gemeente.post("/api/v1/events", json=debt).status_code == 202
            response = woco.post("/api/v1/events", json=summons)
            accepted_at = time.perf_counter()
            assert response.status_code == 202, response.text
            while True:
                items = api.get("/api/v1/escalations", params={"subject": subject}).json()["items"]
                if items:
                    results.append(time.perf_counter() - accepted_at)
                    break
                if time.perf_counter() - accepted_at > 60:
                    raise RuntimeError(f"no escalation for {subject} after 60 s")
                time.sleep(0.01)
    return results


def background_load(hub: BenchHub, token: str, rate: float, stop: threading.Event) -> None:
    """Post batches of 500 at about `rate` events/s until stopped."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/cloudevents-batch+json"}
    interval = BATCH / rate
    with httpx.Client(base_url=hub.base_url, headers=headers, timeout=60) as client:
        next_at = time.perf_counter()
        while not stop.is_set():
            response = client.post("/api/v1/events", content=batch_body())
            if response.status_code != 202:
                raise RuntimeError(f"{response.status_code}: {response.text[:300]}")
            next_at += interval
            stop.wait(max(0.0, next_at - time.perf_counter()))


def wait_until_drained(hub: BenchHub) -> None:
    """Until the processor's router has no lag (the backlog of the throughput run is processed)."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        body = httpx.get(f"{hub.base_url}/healthz", timeout=5).json()
        instances = body["components"]["processor"]["instances"]
        lags = [sum(instance.get("router_lag", {}).values()) for instance in instances]
        if lags and max(lags) == 0:
            return
        time.sleep(0.5)
    raise RuntimeError("the processor did not catch up within 300 s")


def report(label: str, samples: list[float]) -> None:
    print(
        f"202 -> escalation in the API, {label} ({len(samples)} clashes): "
        f"p50 {statistics.median(samples) * 1000:.0f} ms, p99 {percentile(samples, 0.99) * 1000:.0f} ms, "
        f"max {max(samples) * 1000:.0f} ms"
    )


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batches", type=int, default=60, help="batches of 500 events (default 60)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent HTTP clients (default 4)")
    parser.add_argument("--samples", type=int, default=60, help="latency samples per phase (default 60)")
    parser.add_argument(
        "--load", type=float, default=1000.0, help="background events/s while sampling (1000)"
    )
    args = parser.parse_args()
    with running_hub() as hub:
        housing = hub.cli_json("org", "add", "woco", "--domain", "housing")["token"]
        social = hub.cli_json("org", "add", "sociaal", "--domain", "social")["token"]
        reader = hub.cli_json("user", "add", "bench", "--role", "taskforce")["token"]
        throughput(hub, housing, 2, args.clients)  # warm-up: connections, topic metadata, caches
        wait_until_drained(hub)
        report("idle hub", latency(hub, housing, social, reader, args.samples))

        rate, accepted = throughput(hub, housing, args.batches, args.clients)
        print(f"ingest: {accepted} events, batches of {BATCH}, {args.clients} clients: {rate:,.0f} events/s")
        wait_until_drained(hub)

        stop = threading.Event()
        loader = threading.Thread(target=background_load, args=(hub, housing, args.load, stop), daemon=True)
        loader.start()
        try:
            samples = latency(hub, housing, social, reader, args.samples)
        finally:
            stop.set()
            loader.join()
        report(f"under {args.load:,.0f} events/s of background load", samples)


if __name__ == "__main__":
    main()
