"""Soak run on the embedded broker: a steady stream of events (mostly noise, some clashes) for a long time,
sampling every interval the memory (RSS) of each service, the processing lag and the time from a 202 to the
escalation in the API of a probe clash. At the end: whether every clash was escalated, and memory growth.

    .venv/bin/python bench/soak.py [--minutes 30] [--rate 200] [--interval 30] [--clashes 0.02]
                                   [--max-growth 20] [--max-state-bytes 1024]
                                   [--state-store rocksdb] [--logs DIR]

Noise is arrears signals for distinct households (no escalation on their own, as in bench/ingest.py); a
clash is a `social.debt_assistance.started` and, half a second later, a `housing.eviction.summoned` for one
household: one escalation of `eviction-during-debt-assistance` each. Exit status 1 if the households with
an escalation differ from the clashes sent, or if memory grew beyond the limits below, measured from
the end of the warm-up (the first sample after 2 minutes or the 2nd sample, whichever comes first).

RSS is summed over each child's process tree; "up" is the supervisor itself. The lag is what /healthz
reports: the processor's router (records of buurt.inbound not yet routed) and the sink (escalation
records not yet stored); how far the rule engine itself is behind shows only in the probe's latency.

Memory is judged per kind of process. The gateway, the escalation service and the supervisor keep no
state: their RSS must stay within --max-growth percent of the warm-up value (a leak fails this). The
processor must keep rule state for every household it has seen (the windows run for months of event
time, so nothing ages out during a soak): its growth is reported per accepted event and fails above
--max-state-bytes. It runs with the rocksdb state store, as in production. The embedded broker keeps
every record in memory (no retention; in production Kafka keeps them on disk): reported, not judged.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import re
import shutil
import statistics
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import BenchHub, running_hub
from bench.ingest import event, percentile
from bench.streams import BUURTEN

RULE = "eviction-during-debt-assistance"
TICK_S = 0.5  # the load generator posts once per tick and organisation
MAX_BATCH = 500  # events per request (the gateway takes up to 1,000)
WARM_UP_S = 120.0
PROBE_TIMEOUT_S = 60.0
POLL_S = 0.02
RETRIES = 20  # a batch the gateway refuses with 429/5xx (or a connection error) is sent again this often
RETRYABLE = frozenset({429, 500, 502, 503, 504})
KINDS = ("gateway", "processor", "sink", "broker", "up")
BATCH_HEADERS = {"Content-Type": "application/cloudevents-batch+json"}
MIB = 1024 * 1024
LOG_LEVEL = re.compile(r"\b(WARNING|ERROR|CRITICAL)\b|Traceback")


# --- what the load generator and the probes tally ------------------------------------------------


@dataclass
class Tally:
    """Accepted events and the clashes whose two events were both accepted (shared between threads)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    accepted: int = 0
    retries: int = 0
    failed_events: int = 0
    problems: Counter[str] = field(default_factory=Counter)
    debts: set[str] = field(default_factory=set)
    clashes: set[str] = field(default_factory=set)

    def accept(self, count: int, debts: Sequence[str], evictions: Sequence[str]) -> None:
        with self.lock:
            self.accepted += count
            self.debts.update(debts)
            self.clashes.update(subject for subject in evictions if subject in self.debts)

    def retry(self, problem: str) -> None:
        with self.lock:
            self.retries += 1
            self.problems[problem] += 1

    def fail(self, count: int) -> None:
        with self.lock:
            self.failed_events += count

    def snapshot(self) -> int:
        with self.lock:
            return self.accepted


def post(
    client: httpx.Client,
    events: list[dict[str, Any]],
    tally: Tally,
    *,
    debts: Sequence[str] = (),
    evictions: Sequence[str] = (),
) -> bool:
    """Post `events` as batches; a batch refused with 429/5xx is sent again (the same ids: idempotent)."""
    ok = True
    for start in range(0, len(events), MAX_BATCH):
        chunk = events[start : start + MAX_BATCH]
        chunk_subjects = {item["subject"] for item in chunk}
        if not _post_batch(client, json.dumps(chunk), tally):
            tally.fail(len(chunk))
            ok = False
            continue
        tally.accept(
            len(chunk),
            [subject for subject in debts if subject in chunk_subjects],
            [subject for subject in evictions if subject in chunk_subjects],
        )
    return ok


def _post_batch(client: httpx.Client, body: str, tally: Tally) -> bool:
    for _ in range(RETRIES):
        wait = 1.0
        try:
            response = client.post("/api/v1/events", content=body, headers=BATCH_HEADERS)
        except httpx.HTTPError as exc:
            problem = f"{type(exc).__name__}: {exc}"[:160]
        else:
            if response.status_code == 202:
                return True
            if response.status_code not in RETRYABLE:
                raise RuntimeError(f"{response.status_code}: {response.text[:300]}")
            problem = f"{response.status_code}: {response.text[:140]}"
            with contextlib.suppress(ValueError):
                wait = float(response.headers.get("Retry-After", "1"))
        tally.retry(problem)
        time.sleep(min(wait, 5.0))
    return False


def new_subject() -> str:
    return f"hh:{uuid.uuid4().hex[:20]}"


def noise(subject: str, buurt: str) -> dict[str, Any]:
    arrears = {"months_in_arrears": 2, "amount_eur": 750.0}
    return {
        **event("woco", "housing.arrears.signalled", subject, "2026-10-01T09:00:00Z", arrears),
        "buurt": buurt,
    }


def debt_assistance(subject: str, buurt: str) -> dict[str, Any]:
    return {
        **event("sociaal", "social.debt_assistance.started", subject, "2026-09-01T09:00:00Z", {}),
        "buurt": buurt,
    }


def eviction(subject: str, buurt: str) -> dict[str, Any]:
    summons = {"court_date": "2026-11-01"}
    return {
        **event("woco", "housing.eviction.summoned", subject, "2026-09-10T09:00:00Z", summons),
        "buurt": buurt,
    }


class Load(threading.Thread):
    """Posts `rate` events/s until stopped: noise, and a fraction `clashes` of events that make clashes."""

    def __init__(
        self, hub: BenchHub, housing: str, social: str, rate: float, clashes: float, tally: Tally
    ) -> None:
        super().__init__(name="soak-load", daemon=True)
        self.hub, self.housing, self.social = hub, housing, social
        self.rate, self.clashes, self.tally = rate, clashes, tally
        self.stop = threading.Event()
        self.error: BaseException | None = None
        self.started_at = 0.0
        self.stopped_at = 0.0
        self.behind_s = 0.0  # the longest the generator fell behind its schedule

    def run(self) -> None:
        try:
            self._run()
        except BaseException as exc:
            self.error = exc

    def _run(self) -> None:
        buurten = itertools.cycle(BUURTEN)
        pending: list[tuple[str, str]] = []  # clashes whose eviction goes out with the next tick
        events_due = pairs_due = 0.0
        with (
            httpx.Client(
                base_url=self.hub.base_url, headers={"Authorization": f"Bearer {self.housing}"}, timeout=60
            ) as woco,
            httpx.Client(
                base_url=self.hub.base_url, headers={"Authorization": f"Bearer {self.social}"}, timeout=60
            ) as gemeente,
        ):
            self.started_at = next_at = time.perf_counter()
            while not self.stop.is_set():
                events_due += self.rate * TICK_S
                count = int(events_due)
                events_due -= count
                pairs_due += count * self.clashes / 2
                new = [(new_subject(), next(buurten)) for _ in range(int(pairs_due))]
                pairs_due -= len(new)
                housing = [eviction(subject, buurt) for subject, buurt in pending]
                housing += [
                    noise(new_subject(), next(buurten)) for _ in range(count - len(housing) - len(new))
                ]
                post(woco, housing, self.tally, evictions=[subject for subject, _ in pending])
                if new:
                    debts = [debt_assistance(subject, buurt) for subject, buurt in new]
                    post(gemeente, debts, self.tally, debts=[subject for subject, _ in new])
                pending = new
                next_at += TICK_S
                now = time.perf_counter()
                self.behind_s = max(self.behind_s, now - next_at)
                self.stop.wait(max(0.0, next_at - now))
            if pending:
                housing = [eviction(subject, buurt) for subject, buurt in pending]
                post(woco, housing, self.tally, evictions=[subject for subject, _ in pending])
            self.stopped_at = time.perf_counter()


# --- samples --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    at_s: float
    accepted: int
    rate: float  # events/s accepted since the previous sample
    rss: dict[str, int]  # bytes per kind of child (its process tree), "up" the supervisor
    pids: dict[str, tuple[int, ...]]
    health: str
    router_lag: int | None
    sink_lag: int | None
    latency_s: float | None

    @property
    def total_rss(self) -> int:
        return sum(self.rss.values())

    @property
    def stateless_rss(self) -> int:
        """The processes that keep no state of their own: flat unless something leaks."""
        return sum(self.rss.get(kind, 0) for kind in ("gateway", "sink", "up"))


def hub_process(hub: BenchHub) -> psutil.Process:
    """The `wijkbrug up` process of `hub` (a child of this one, told apart by its data directory)."""
    for child in psutil.Process().children():
        with contextlib.suppress(psutil.Error):
            cmdline = child.cmdline()
            if "up" in cmdline and str(hub.data_dir) in cmdline:
                return child
    raise RuntimeError(f"no `wijkbrug up` process for {hub.data_dir}")


def kind_of(process: psutil.Process) -> str:
    """Which service a child of the supervisor is (as tests/e2e/test_broker_outage.py tells them apart)."""
    cmdline = process.cmdline()
    if process.name().startswith("tansu") or (cmdline and Path(cmdline[0]).name.startswith("tansu")):
        return "broker"
    for kind in ("processor", "sink", "gateway", "connector"):
        if kind in cmdline:
            return kind
    return "other"


def _rss(process: psutil.Process) -> int:
    try:
        return int(process.memory_info().rss)
    except psutil.Error:
        return 0


def memory(root: psutil.Process) -> tuple[dict[str, int], dict[str, tuple[int, ...]]]:
    """RSS per kind of child, each summed over the child's process tree, and the children's pids."""
    rss = dict.fromkeys(KINDS, 0)
    pids: dict[str, list[int]] = {}
    rss["up"] = _rss(root)
    for child in root.children():
        try:
            kind = kind_of(child)
            tree = [child, *child.children(recursive=True)]
        except psutil.Error:
            continue
        rss[kind] = rss.get(kind, 0) + sum(_rss(process) for process in tree)
        pids.setdefault(kind, []).append(child.pid)
    return rss, {kind: tuple(sorted(values)) for kind, values in pids.items()}


def _lag(component: Any, key: str) -> int | None:
    """The summed lag `key` ({"topic/partition": records}) of a background component's instances."""
    if not isinstance(component, dict):
        return None
    lags = [
        instance[key] for instance in component.get("instances", []) if isinstance(instance.get(key), dict)
    ]
    return sum(int(value) for lag in lags for value in lag.values()) if lags else None


def health(client: httpx.Client) -> tuple[str, int | None, int | None]:
    """The deployment's status, the processor router's lag and the sink's lag, from GET /healthz."""
    try:
        body = client.get("/healthz", timeout=10).json()
    except (httpx.HTTPError, ValueError) as exc:
        return f"unreachable ({type(exc).__name__})", None, None
    components = body.get("components", {})
    return (
        str(body.get("status")),
        _lag(components.get("processor"), "router_lag"),
        _lag(components.get("sink"), "lag"),
    )


@dataclass
class Clients:
    woco: httpx.Client
    gemeente: httpx.Client
    api: httpx.Client


@contextlib.contextmanager
def clients(hub: BenchHub, housing: str, social: str, reader: str) -> Iterator[Clients]:
    def client(token: str) -> httpx.Client:
        return httpx.Client(base_url=hub.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30)

    with client(housing) as woco, client(social) as gemeente, client(reader) as api:
        yield Clients(woco=woco, gemeente=gemeente, api=api)


def escalated(api: httpx.Client, subject: str) -> bool:
    response = api.get("/api/v1/escalations", params={"subject": subject, "rule": RULE})
    response.raise_for_status()
    return bool(response.json()["items"])


def probe(http: Clients, tally: Tally) -> float | None:
    """Seconds from the 202 of a clash's second event to its escalation in the API (None: not within 60 s)."""
    subject, buurt = new_subject(), BUURTEN[0]
    if not post(http.gemeente, [debt_assistance(subject, buurt)], tally, debts=[subject]):
        return None
    if not post(http.woco, [eviction(subject, buurt)], tally, evictions=[subject]):
        return None
    accepted_at = time.perf_counter()
    while time.perf_counter() - accepted_at < PROBE_TIMEOUT_S:
        with contextlib.suppress(httpx.HTTPError):
            if escalated(http.api, subject):
                return time.perf_counter() - accepted_at
        time.sleep(POLL_S)
    return None


def take_sample(
    at_s: float, root: psutil.Process, http: Clients, tally: Tally, previous: Sample | None
) -> Sample:
    rss, pids = memory(root)
    status, router_lag, sink_lag = health(http.api)
    accepted = tally.snapshot()
    since_s, since = (at_s - previous.at_s, previous.accepted) if previous else (at_s, 0)
    return Sample(
        at_s=at_s,
        accepted=accepted,
        rate=(accepted - since) / since_s if since_s > 0 else 0.0,
        rss=rss,
        pids=pids,
        health=status,
        router_lag=router_lag,
        sink_lag=sink_lag,
        latency_s=probe(http, tally),
    )


# --- the end --------------------------------------------------------------------------------------


def drain(api: httpx.Client, expected: int, timeout_s: float = 300.0) -> float | None:
    """Seconds until the router and the sink have no lag and the API shows `expected` escalations."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout_s:
        _, router_lag, sink_lag = health(api)
        if router_lag == 0 and sink_lag == 0:
            with contextlib.suppress(httpx.HTTPError, KeyError):
                response = api.get("/api/v1/escalations", params={"rule": RULE, "limit": 1})
                if response.json()["total"] >= expected:
                    return time.perf_counter() - started
        time.sleep(0.5)
    return None


def escalated_subjects(api: httpx.Client) -> tuple[set[str], int]:
    """The distinct subjects with an escalation of RULE, and how many escalations there are."""
    subjects: set[str] = set()
    offset, total, items = 0, 1, 0
    while offset < total:
        response = api.get("/api/v1/escalations", params={"rule": RULE, "limit": 500, "offset": offset})
        response.raise_for_status()
        page = response.json()
        total = page["total"]
        subjects.update(item["subject"] for item in page["items"])
        items += len(page["items"])
        if not page["items"]:
            break
        offset += len(page["items"])
    return subjects, items


def log_findings(data_dir: Path) -> list[str]:
    """Warnings, errors and tracebacks in the hub's logs: counts per file and the most frequent lines."""
    lines: list[str] = []
    for path in sorted([data_dir / "up.log", *(data_dir / "logs").glob("*.log")]):
        if not path.exists():
            continue
        levels: Counter[str] = Counter()
        messages: Counter[str] = Counter()
        for line in path.read_text(errors="replace").splitlines():
            match = LOG_LEVEL.search(line)
            if match is None:
                continue
            levels[match.group(1) or "Traceback"] += 1
            messages[line[match.start() :][:160]] += 1
        if levels:
            counts = ", ".join(f"{count} {level}" for level, count in sorted(levels.items()))
            lines.append(f"  {path.name}: {counts}")
            lines += [f"    {count:>5} x {message}" for message, count in messages.most_common(5)]
    return lines


def slope_per_hour(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, value) points, per hour."""
    if len(points) < 2:
        return 0.0
    mean_x = statistics.fmean(x for x, _ in points)
    mean_y = statistics.fmean(y for _, y in points)
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    if spread == 0:
        return 0.0
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / spread * 3600


def warm_up_index(samples: list[Sample]) -> int:
    """The first sample after the warm-up: the first at or after 2 minutes, or the 2nd, whichever is first."""
    late = next((index for index, sample in enumerate(samples) if sample.at_s >= WARM_UP_S), len(samples))
    return min(late, 1, len(samples) - 1)


def mib(value: int | float) -> str:
    return f"{value / MIB:,.0f}"


def _opt(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def table(samples: list[Sample], start: int) -> None:
    kinds = [*KINDS, *sorted({kind for sample in samples for kind in sample.rss} - set(KINDS))]
    header = ["t (s)", "accepted", "ev/s", "RSS MiB", *kinds, "router lag", "sink lag", "probe ms", "health"]
    rows = [header]
    for index, sample in enumerate(samples):
        mark = "*" if index == start else ""
        rows.append(
            [
                f"{sample.at_s:.0f}{mark}",
                f"{sample.accepted:,}",
                f"{sample.rate:,.0f}",
                mib(sample.total_rss),
                *(mib(sample.rss.get(kind, 0)) for kind in kinds),
                _opt(sample.router_lag),
                _opt(sample.sink_lag),
                "-" if sample.latency_s is None else f"{sample.latency_s * 1000:,.0f}",
                sample.health,
            ]
        )
    widths = [max(len(row[column]) for row in rows) for column in range(len(header))]
    for number, row in enumerate(rows):
        print("  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)))
        if number == 0:
            print("  ".join("-" * width for width in widths))
    print("(* the first sample after the warm-up; RSS per service summed over its process tree)")


def restarts(samples: list[Sample]) -> list[str]:
    """Children whose pid changed between samples (the supervisor restarted them)."""
    notes: list[str] = []
    for before, after in itertools.pairwise(samples):
        for kind in sorted(set(before.pids) | set(after.pids)):
            if before.pids.get(kind) != after.pids.get(kind):
                notes.append(
                    f"{kind} pid {before.pids.get(kind)} -> {after.pids.get(kind)} "
                    f"between {before.at_s:.0f} s and {after.at_s:.0f} s"
                )
    return notes


# --- main -----------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=30.0, help="how long to post events (default 30)")
    parser.add_argument("--rate", type=float, default=200.0, help="events/s to post (default 200)")
    parser.add_argument("--interval", type=float, default=30.0, help="seconds between samples (default 30)")
    parser.add_argument(
        "--clashes", type=float, default=0.02, help="fraction of the events that make clashes (default 0.02)"
    )
    parser.add_argument(
        "--max-growth", type=float, default=20.0, help="RSS growth after the warm-up that fails, in %% (20)"
    )
    parser.add_argument(
        "--max-state-bytes",
        type=float,
        default=1024.0,
        help="processor RSS growth per accepted event that fails (its rule state; 1024)",
    )
    parser.add_argument(
        "--state-store",
        choices=("memory", "rocksdb"),
        default="rocksdb",
        help="the processor's rule state (rocksdb, as in production; memory grows with every household)",
    )
    parser.add_argument("--logs", type=Path, help="copy the hub's logs to this directory at the end")
    args = parser.parse_args()
    if args.minutes <= 0 or args.rate <= 0 or args.interval <= 0 or not 0 <= args.clashes <= 1:
        parser.error("--minutes, --rate and --interval must be positive, --clashes within 0..1")
    duration_s = args.minutes * 60

    tally = Tally()
    samples: list[Sample] = []
    with running_hub({"WIJKBRUG_STATE_STORE": args.state_store}) as hub:
        housing = hub.cli_json("org", "add", "woco", "--domain", "housing")["token"]
        social = hub.cli_json("org", "add", "sociaal", "--domain", "social")["token"]
        reader = hub.cli_json("user", "add", "bench", "--role", "taskforce")["token"]
        root = hub_process(hub)
        print(
            f"soak: {args.rate:,.0f} events/s for {args.minutes:g} min ({args.clashes:.1%} in clashes), "
            f"a sample and a probe clash every {args.interval:g} s; hub {hub.base_url}, data {hub.data_dir}",
            flush=True,
        )
        load = Load(hub, housing, social, args.rate, args.clashes, tally)
        with clients(hub, housing, social, reader) as http:
            load.start()
            started = time.perf_counter()
            try:
                for number in itertools.count(1):
                    at_s = min(number * args.interval, duration_s)
                    while load.error is None and time.perf_counter() - started < at_s:
                        time.sleep(min(0.5, max(0.0, started + at_s - time.perf_counter())))
                    if load.error is not None:
                        raise RuntimeError("the load generator failed") from load.error
                    sample = take_sample(
                        time.perf_counter() - started, root, http, tally, samples[-1] if samples else None
                    )
                    samples.append(sample)
                    print(
                        f"  {sample.at_s:6.0f} s  {sample.accepted:>9,} accepted"
                        f"  RSS {mib(sample.total_rss)} MiB"
                        f"  lag {_opt(sample.router_lag)}/{_opt(sample.sink_lag)}  probe "
                        + ("-" if sample.latency_s is None else f"{sample.latency_s * 1000:,.0f} ms"),
                        flush=True,
                    )
                    if at_s >= duration_s:
                        break
            finally:
                load.stop.set()
                load.join()
            if load.error is not None:
                raise RuntimeError("the load generator failed") from load.error
            expected = set(tally.clashes)
            drained_s = drain(http.api, len(expected))
            found, escalations = escalated_subjects(http.api)
        findings = log_findings(hub.data_dir)
        if args.logs is not None:
            args.logs.mkdir(parents=True, exist_ok=True)
            shutil.copy2(hub.data_dir / "up.log", args.logs / "up.log")
            shutil.copytree(hub.data_dir / "logs", args.logs / "logs", dirs_exist_ok=True)

    return summary(args, samples, load, tally, expected, found, escalations, drained_s, findings)


def summary(
    args: argparse.Namespace,
    samples: list[Sample],
    load: Load,
    tally: Tally,
    expected: set[str],
    found: set[str],
    escalations: int,
    drained_s: float | None,
    findings: list[str],
) -> int:
    start = warm_up_index(samples)
    first, last = samples[start], samples[-1]
    print()
    table(samples, start)
    print()
    growth = (last.stateless_rss - first.stateless_rss) / first.stateless_rss * 100
    after = samples[start:]
    slope = slope_per_hour([(sample.at_s, sample.stateless_rss / MIB) for sample in after])
    print(
        f"RSS of the stateless processes (gateway, sink, supervisor): {mib(first.stateless_rss)} MiB at "
        f"{first.at_s:.0f} s -> {mib(last.stateless_rss)} MiB at {last.at_s:.0f} s "
        f"({growth:+.1f} %, limit {args.max_growth:g} %), slope {slope:+,.1f} MiB/hour"
    )
    events = max(1, last.accepted - first.accepted)
    state_bytes = (last.rss.get("processor", 0) - first.rss.get("processor", 0)) / events
    print(
        f"processor (rule state of every household seen): {state_bytes:,.0f} bytes per event accepted "
        f"after the warm-up (limit {args.max_state_bytes:,.0f})"
    )
    for kind in [*KINDS, *sorted({kind for sample in samples for kind in sample.rss} - set(KINDS))]:
        kind_slope = slope_per_hour([(sample.at_s, sample.rss.get(kind, 0) / MIB) for sample in after])
        print(
            f"  {kind:>9}: {mib(first.rss.get(kind, 0)):>6} -> {mib(last.rss.get(kind, 0)):>6} MiB, "
            f"{kind_slope:+,.1f} MiB/hour"
        )
    router_lags = [sample.router_lag for sample in samples if sample.router_lag is not None]
    sink_lags = [sample.sink_lag for sample in samples if sample.sink_lag is not None]
    print(
        f"max lag: processor router {max(router_lags, default=0):,} records, "
        f"sink {max(sink_lags, default=0):,} records; drained after the load in "
        + ("(not within 300 s)" if drained_s is None else f"{drained_s:.1f} s")
    )
    latencies = [sample.latency_s for sample in samples if sample.latency_s is not None]
    missing = len(samples) - len(latencies)
    if latencies:
        print(
            f"202 -> escalation in the API, probe clashes ({len(latencies)}): "
            f"p50 {statistics.median(latencies) * 1000:,.0f} ms, "
            f"p99 {percentile(latencies, 0.99) * 1000:,.0f} ms, max {max(latencies) * 1000:,.0f} ms"
            + (f"; {missing} not within 60 s" if missing else "")
        )
    else:
        print("202 -> escalation in the API: no probe clash was escalated within 60 s")
    load_s = load.stopped_at - load.started_at
    print(
        f"achieved {tally.accepted / load_s:,.1f} events/s of {args.rate:g} asked "
        f"({tally.accepted:,} accepted in {load_s:.0f} s, probes included); "
        f"at most {load.behind_s:.1f} s behind schedule; "
        f"{tally.retries} retried batches, {tally.failed_events} events given up"
    )
    for problem, count in tally.problems.most_common(5):
        print(f"  retried {count} x: {problem}")
    print(
        f"escalations of {RULE}: expected {len(expected):,} households, found {len(found):,}"
        f" ({escalations:,} escalations)"
    )
    if found != expected:
        missing_subjects, unexpected = sorted(expected - found), sorted(found - expected)
        print(f"  missing {len(missing_subjects)}: {missing_subjects[:5]}")
        print(f"  unexpected {len(unexpected)}: {unexpected[:5]}")
    for note in restarts(samples):
        print(f"restart: {note}")
    print("hub logs (WARNING and above): " + ("none" if not findings else ""))
    for line in findings:
        print(line)

    failures = []
    if found != expected or escalations != len(found):
        failures.append("escalations differ from the clashes sent")
    if growth > args.max_growth:
        failures.append(f"the stateless processes grew {growth:.1f} % (> {args.max_growth:g} %)")
    if state_bytes > args.max_state_bytes:
        failures.append(
            f"the processor grew {state_bytes:,.0f} bytes per event (> {args.max_state_bytes:,.0f})"
        )
    print("FAIL: " + "; ".join(failures) if failures else "OK")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
