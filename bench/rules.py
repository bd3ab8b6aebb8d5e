"""Rule engine benchmark.

(a) `wijkbrug rules backtest` throughput on a generated stream of 1,000,000 events over 100,000 households
    with the full default pack; (b) the same with the pack loaded 15 times under different ids (~100 rules),
    as a ratio to (a); (c) the peak memory of each; (d) the live pipeline's throughput with one processor
    worker (events posted through the gateway, counted when the rule engine has seen them).

    .venv/bin/python bench/rules.py [--events 1000000] [--households 100000] [--copies 15] [--live 50000]
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import BenchHub, running_hub
from bench.streams import generate, write_jsonl
from services.rules.loader import default_pack_dir

UNTIL = "2026-06-01"


def copied_pack(directory: Path, copies: int) -> int:
    """The default pack `copies` times, each copy's rules under their own ids; returns the rule count."""
    count = 0
    for source in sorted(default_pack_dir().glob("*.yaml")):
        text = source.read_text(encoding="utf-8")
        rule_id = re.search(r"^id: (\S+)$", text, re.MULTILINE)
        assert rule_id is not None
        for number in range(1, copies + 1):
            renamed = text.replace(f"id: {rule_id.group(1)}", f"id: {rule_id.group(1)}-{number}", 1)
            (directory / f"{rule_id.group(1)}-{number}.yaml").write_text(renamed, encoding="utf-8")
            count += 1
    return count


def backtest(events: Path, rules: Path | None) -> tuple[float, int, int]:
    """Run `wijkbrug rules backtest` in a child; (seconds, escalations, peak RSS in bytes)."""
    argv = [sys.executable, "-m", "services.cli.main", "rules", "backtest", str(events), "--until", UNTIL]
    if rules is not None:
        argv += ["--rules", str(rules)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    result = subprocess.run(argv, capture_output=True, text=True, check=True)
    elapsed = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if peak_kib <= before:
        print("  (peak memory of this run not above an earlier run's; the figure shown is the larger)")
    return elapsed, result.stdout.count("\n"), max(peak_kib, before) * 1024


def startup_seconds() -> float:
    """The backtest command's start-up (imports, loading the pack) on an empty stream."""
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl") as empty:
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "services.cli.main", "rules", "backtest", empty.name],
            capture_output=True,
            check=True,
        )
        return time.perf_counter() - started


def live_throughput(hub: BenchHub, events: int) -> float:
    """Post `events` generated events through the gateway (batches of 500, 4 clients) and time until the
    processor's rule engine has seen all of them; events/s over the whole run."""
    orgs = {
        slug: hub.cli_json("org", "add", slug, "--domain", domain)["token"]
        for slug, domain in (
            ("woco", "housing"),
            ("sociaal", "social"),
            ("politie", "safety"),
            ("gemeente", "municipality"),
        )
    }
    batches: dict[str, list[list[dict[str, object]]]] = {slug: [[]] for slug in orgs}
    for event in generate(events, max(1, events // 10), seed=7):
        slug = str(event["source"]).rsplit(":", 1)[1]
        if len(batches[slug][-1]) == 500:
            batches[slug].append([])
        batches[slug][-1].append(event)
    before = _seen(hub)
    started = time.perf_counter()
    with httpx.Client(base_url=hub.base_url, timeout=120) as client:
        for slug, chunks in batches.items():
            for chunk in chunks:
                if not chunk:
                    continue
                response = client.post(
                    "/api/v1/events",
                    content=json.dumps(chunk),
                    headers={
                        "Authorization": f"Bearer {orgs[slug]}",
                        "Content-Type": "application/cloudevents-batch+json",
                    },
                )
                if response.status_code != 202:
                    raise RuntimeError(f"{response.status_code}: {response.text[:300]}")
    while _seen(hub) - before < events:
        if time.perf_counter() - started > 900:
            raise RuntimeError("the processor did not see every event within 900 s")
        time.sleep(0.5)
    return events / (time.perf_counter() - started)


def _seen(hub: BenchHub) -> int:
    body = httpx.get(f"{hub.base_url}/healthz", timeout=10).json()
    return sum(int(instance.get("seen", 0)) for instance in body["components"]["processor"]["instances"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--copies", type=int, default=15)
    parser.add_argument("--live", type=int, default=50_000, help="events for the live measurement (0: skip)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wijkbrug-bench-rules-") as tmp:
        workdir = Path(tmp)
        stream = workdir / "events.jsonl"
        size = write_jsonl(stream, args.events, args.households)
        mib = size / 2**20
        print(f"stream: {args.events:,} events over {args.households:,} households, {mib:,.0f} MiB of JSON")
        startup = startup_seconds()
        print(f"backtest start-up (imports, pack): {startup:.1f} s, included in the figures below")

        seconds, escalations, peak = backtest(stream, None)
        base_rate = args.events / seconds
        print(f"(a) full pack (7 rules): {seconds:.1f} s, {base_rate:,.0f} events/s, {escalations:,} clashes")
        print(f"(c) peak memory, full pack: {peak / 2**20:,.0f} MiB")

        pack = workdir / "pack"
        pack.mkdir()
        rules = copied_pack(pack, args.copies)
        seconds, copied_escalations, peak = backtest(stream, pack)
        rate = args.events / seconds
        print(
            f"(b) pack x{args.copies} ({rules} rules): {seconds:.1f} s, {rate:,.0f} events/s, "
            f"{copied_escalations:,} escalations; ratio to (a): {rate / base_rate:.2f}"
        )
        print(f"(c) peak memory, pack x{args.copies}: {peak / 2**20:,.0f} MiB")
    if args.live:
        with running_hub() as hub:
            rate = live_throughput(hub, args.live)
            print(
                f"(d) live pipeline, one processor worker: {args.live:,} events through HTTP -> broker -> "
                f"router -> rule engine at {rate:,.0f} events/s"
            )


if __name__ == "__main__":
    main()
