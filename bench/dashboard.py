"""Dashboard and API latency with 10,000 escalations in PostgreSQL (issue 5: p95 < 300 ms).

Creates a throwaway database on the PostgreSQL server (WIJKBRUG_BENCH_POSTGRES_URL, default the local one),
migrates it, seeds the shipped buurten, opens N escalations through the escalation store (as the sink does),
moves part of them along the lifecycle, then serves the real app with uvicorn and times sequential requests
per scenario: the queue page and the API list, as taskforce, liaison and resident, with filters, sorting and
deep pages; one escalation's page; the overview (map) and the knelpunten report. Prints p50/p95/max per
scenario and drops the database.

    .venv/bin/python -m bench.dashboard [--escalations 10000] [--requests 100]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from argon2 import PasswordHasher
from sqlalchemy import create_engine, text, update
from sqlalchemy.engine import make_url

from schemas.escalation import EscalationMessage
from schemas.identifiers import Domain, source_for
from services.config import Settings
from services.db.models import Escalation
from services.deployment import open_deployment
from services.directory.model import Role
from services.directory.sql import SqlDirectoryStore
from services.escalations.sql import SqlEscalationStore
from services.gateway.app import create_app
from services.gateway.serving import gateway_server
from services.geo.shipped import load_shipped_buurten
from services.process.children import free_port
from services.rules.loader import load_rules
from services.security.passwords import hash_password

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PASSWORD = "bench-password-2026"  # noqa: S105 - a throwaway database's user
ORGS = (
    ("woco", Domain.HOUSING, "nl.wijkbrug.housing.eviction.summoned", "Dagvaarding ontruiming"),
    ("sociaal", Domain.SOCIAL, "nl.wijkbrug.social.debt_assistance.started", "Schuldhulp gestart"),
    ("politie", Domain.SAFETY, "nl.wijkbrug.safety.incident.registered", "Incident geregistreerd"),
    ("gemeente", Domain.MUNICIPALITY, "nl.wijkbrug.municipality.report.created", "Melding openbare ruimte"),
)


@dataclass(frozen=True)
class Scenario:
    name: str
    user: str
    path: str
    api: bool


@contextmanager
def throwaway_database(admin_url: str) -> Iterator[str]:
    name = f"wijkbrug_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def messages(count: int, now: datetime, rng: random.Random) -> list[EscalationMessage]:
    """`count` escalations spread over the city's buurten, the pack's rules and the last 120 days."""
    rules = load_rules()
    buurten = [buurt.code for buurt in load_shipped_buurten()]
    made = []
    for index in range(count):
        rule = rng.choice(rules)
        prefix = "ini" if rule.id.startswith("initiative") else rng.choice(("hh", "loc"))
        subject = f"{prefix}:bench{index:010d}"
        orgs = rng.sample(ORGS, k=rng.randint(1, 3))
        opened = now - timedelta(days=rng.uniform(0, 120))
        evidence = [
            {
                "id": f"ev-{index}-{position}",
                "source": source_for(org),
                "org": org,
                "type": event_type,
                "time": opened - timedelta(days=position),
                "label_nl": label,
            }
            for position, (org, _, event_type, label) in enumerate(orgs)
        ]
        made.append(
            EscalationMessage.model_validate(
                {
                    "dedup_key": f"{rule.id}:{subject}",
                    "rule": rule.id,
                    "title": rule.title,
                    "severity": rule.severity,
                    "subject": subject,
                    "buurt": rng.choice(buurten),
                    "opened_at": opened,
                    "organisations": sorted(org for org, *_ in orgs),
                    "evidence": evidence,
                    "policies": [policy.model_dump(mode="json") for policy in rule.policies],
                    "emitted_at": now,
                }
            )
        )
    return made


def seed(url: str, count: int, data_dir: Path) -> tuple[Settings, dict[str, str]]:
    settings = Settings(data_dir=data_dir, database_url=url, kafka_bootstrap=None, log_level="WARNING")
    deployment = open_deployment(settings)
    try:
        directory = SqlDirectoryStore(deployment.sessions)
        for slug, domain, *_ in ORGS:
            directory.add_organisation(slug, domain, slug.title())
        password_hash = hash_password(PasswordHasher(time_cost=1, memory_cost=8 * 1024), PASSWORD)
        buurten = tuple(buurt.code for buurt in load_shipped_buurten()[:40])
        tokens = {
            name: directory.add_user(name, role, org=org, buurten=areas, password_hash=password_hash)[1].token
            for name, role, org, areas in (
                ("tf", Role.TASKFORCE, None, ()),
                ("liaison", Role.LIAISON, "woco", ()),
                ("resident", Role.RESIDENT, None, buurten),
            )
        }
        store = SqlEscalationStore(deployment.sessions)
        rng = random.Random(5)
        batch = messages(count, datetime.now(UTC), rng)
        started = time.perf_counter()
        for offset in range(0, len(batch), 500):
            store.apply(batch[offset : offset + 500])
        print(f"seeded {count} escalations in {time.perf_counter() - started:.1f} s")
        with deployment.sessions.begin() as session:
            # A realistic mix: a third acknowledged or further, a fifth resolved.
            session.execute(update(Escalation).where(Escalation.id % 3 == 0).values(status="acknowledged"))
            session.execute(update(Escalation).where(Escalation.id % 5 == 0).values(status="resolved"))
            session.execute(update(Escalation).where(Escalation.id % 7 == 0).values(status="in_progress"))
        with deployment.engine.connect() as connection:
            connection.execute(text("ANALYZE"))
    finally:
        deployment.close()
    return settings, tokens


@contextmanager
def serving(settings: Settings) -> Iterator[str]:
    port = free_port()
    server = gateway_server(create_app(settings), host="127.0.0.1", port=port)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline:
            raise SystemExit("the app did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def logged_in(base_url: str, name: str) -> httpx.Client:
    client = httpx.Client(base_url=base_url, timeout=30)
    form = client.get("/login").text
    token = form.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = client.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": token})
    if response.status_code != 303:
        raise SystemExit(f"login as {name} failed: {response.status_code}")
    return client


def api_client(base_url: str, token: str) -> httpx.Client:
    return httpx.Client(base_url=base_url, timeout=30, headers={"Authorization": f"Bearer {token}"})


SCENARIOS = (
    Scenario("API list, taskforce, default", "tf", "/api/v1/escalations", True),
    Scenario("API list, taskforce, open+high", "tf", "/api/v1/escalations?status=open&severity=high", True),
    Scenario("API list, taskforce, buurt", "tf", "/api/v1/escalations?buurt=BU0363AD05", True),
    Scenario("API list, taskforce, offset 5000", "tf", "/api/v1/escalations?offset=5000", True),
    Scenario("API list, liaison (own org)", "liaison", "/api/v1/escalations", True),
    Scenario("API list, resident (40 buurten)", "resident", "/api/v1/escalations", True),
    Scenario("queue page, taskforce, default", "tf", "/escalaties", False),
    Scenario("queue page, taskforce, high, by severity", "tf", "/escalaties?severity=high&sort=ernst", False),
    Scenario("queue page, taskforce, wijk", "tf", "/escalaties?wijk=WK0363AD", False),
    Scenario("queue page, taskforce, over SLA", "tf", "/escalaties?over_tijd=1", False),
    Scenario("queue page, taskforce, page 40", "tf", "/escalaties?pagina=40", False),
    Scenario("queue page, liaison", "liaison", "/escalaties", False),
    Scenario("queue page, resident", "resident", "/escalaties", False),
    Scenario("detail page, taskforce", "tf", "/escalaties/5001", False),
    Scenario("overview page (map), taskforce", "tf", "/overzicht", False),
    Scenario("overview page (map), liaison", "liaison", "/overzicht", False),
    Scenario("knelpunten page, taskforce", "tf", "/knelpunten", False),
    Scenario("knelpunten CSV, taskforce", "tf", "/knelpunten.csv", False),
)


def measure(client: httpx.Client, path: str, requests: int) -> list[float]:
    client.get(path).raise_for_status()  # warm-up
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{path}: {response.status_code} {response.text[:200]}")
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--escalations", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()
    admin_url = os.environ.get("WIJKBRUG_BENCH_POSTGRES_URL", DEFAULT_URL)
    with throwaway_database(admin_url) as url, tempfile.TemporaryDirectory() as tmp:
        settings, tokens = seed(url, args.escalations, Path(tmp))
        with serving(settings) as base_url:
            clients: dict[tuple[str, bool], httpx.Client] = {}
            print(f"\n{'scenario':48} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
            worst = 0.0
            for scenario in SCENARIOS:
                key = (scenario.user, scenario.api)
                if key not in clients:
                    clients[key] = (
                        api_client(base_url, tokens[scenario.user])
                        if scenario.api
                        else logged_in(base_url, scenario.user)
                    )
                timings = sorted(measure(clients[key], scenario.path, args.requests))
                p95 = timings[int(0.95 * (len(timings) - 1))]
                worst = max(worst, p95)
                print(f"{scenario.name:48} {statistics.median(timings):8.1f} {p95:8.1f} {timings[-1]:8.1f}")
            for client in clients.values():
                client.close()
            print(f"\nworst p95: {worst:.1f} ms (target < 300 ms) with {args.escalations} escalations")


if __name__ == "__main__":
    main()
