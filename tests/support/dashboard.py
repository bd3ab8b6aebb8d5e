"""The dashboard under test in-process: a deployment with organisations, users of every role and three
escalations (a household eviction, a household closure in another buurt, an initiative), and a browser-like
client that logs in through the form."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from httpx import Client, Response

from schemas.catalogue import CATALOGUE
from schemas.escalation import EscalationMessage, Evidence
from schemas.identifiers import Domain, source_for
from services.config import Settings
from services.directory.model import Role
from services.gateway.app import create_app
from services.gateway.runtime import Runtime, build_runtime
from services.security.passwords import hash_password
from tests.support.events import DAM_BUURT

PASSWORD = "correct horse battery staple"
OTHER_BUURT = "BU0363AE01"
T0 = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)
CSRF_RE = re.compile(r'<input type="hidden" name="csrf_token" value="([^"]+)">')


def evidence(org: str, suffix: str, event_id: str, days: int) -> Evidence:
    type_name = f"nl.wijkbrug.{suffix}"
    return Evidence(
        id=event_id,
        source=source_for(org),
        org=org,
        type=type_name,
        time=T0 + timedelta(days=days),
        label_nl=CATALOGUE[type_name].label_nl,
    )


def escalation(
    rule: str, subject: str, buurt: str, title: str, severity: str, items: list[Evidence]
) -> EscalationMessage:
    return EscalationMessage.model_validate(
        {
            "dedup_key": f"{rule}:{subject}",
            "rule": rule,
            "title": title,
            "severity": severity,
            "subject": subject,
            "buurt": buurt,
            "opened_at": max(item.time for item in items),
            "organisations": sorted({item.org for item in items}),
            "evidence": items,
            "emitted_at": T0 + timedelta(days=30),
        }
    )


EVICTION = escalation(
    "eviction-during-debt-assistance",
    "hh:4f9a1c7e2b8d0a36",
    DAM_BUURT,
    "Ontruimingsprocedure terwijl schuldhulpverlening loopt",
    "high",
    [
        evidence("sociaal", "social.debt_assistance.started", "sh-1", 1),
        evidence("woonstad", "housing.eviction.summoned", "ev-1", 5),
    ],
)
CLOSURE = escalation(
    "house-closure-with-youth-care",
    "hh:77aa88bb99cc00dd",
    OTHER_BUURT,
    "Woningsluiting bij lopende jeugdhulp",
    "high",
    [
        evidence("sociaal", "social.care.started", "zorg-1", 2),
        evidence("politie", "safety.house_closure.ordered", "sl-1", 9),
    ],
)
PERMIT = escalation(
    "initiative-permit-refused",
    "ini:b2e94f1a6c3d7e88",
    DAM_BUURT,
    "Vergunning voor bewonersinitiatief geweigerd",
    "medium",
    [evidence("gemeente", "municipality.permit.decided", "vg-1", 3)],
)


@dataclass
class World:
    runtime: Runtime
    client: TestClient
    ids: dict[str, int]
    tokens: dict[str, str]


def cheap_password_hash() -> str:
    # Cheap argon2 parameters keep the suite fast; verification reads the parameters from the hash.
    return hash_password(PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1), PASSWORD)


@contextmanager
def running_world(data_dir: Path, database_url: str, password_hash: str) -> Iterator[World]:
    settings = Settings(data_dir=data_dir, database_url=database_url, kafka_bootstrap=None)
    runtime = build_runtime(settings)
    directory = runtime.directory
    tokens: dict[str, str] = {}
    for slug, domain in (
        ("woonstad", Domain.HOUSING),
        ("sociaal", Domain.SOCIAL),
        ("politie", Domain.SAFETY),
        ("gemeente", Domain.MUNICIPALITY),
    ):
        tokens[slug] = directory.add_organisation(slug, domain, slug.title())[1].token
    for name, role, org, buurten in (
        ("anna", Role.TASKFORCE, None, ()),
        ("lisa", Role.LIAISON, "woonstad", ()),
        ("piet", Role.LIAISON, "politie", ()),
        ("rik", Role.RESIDENT, None, (DAM_BUURT,)),
        ("bea", Role.ADMIN, None, ()),
    ):
        _, credential = directory.add_user(name, role, org=org, buurten=buurten, password_hash=password_hash)
        tokens[name] = credential.token
    directory.add_user("nopass", Role.TASKFORCE)
    result = runtime.escalations.apply([EVICTION, CLOSURE, PERMIT])
    ids = dict(zip(("eviction", "closure", "permit"), result.opened, strict=True))
    with TestClient(create_app(settings, runtime), follow_redirects=False) as client:
        yield World(runtime=runtime, client=client, ids=ids, tokens=tokens)


def csrf_in(page: str) -> str:
    """The CSRF token of the first form in `page` (HTML)."""
    found = CSRF_RE.search(page)
    assert found is not None, page
    return found.group(1)


def csrf_of(response: Response) -> str:
    return csrf_in(response.text)


def log_in(client: Client, name: str, password: str = PASSWORD, next_page: str | None = None) -> Response:
    """Log in through the form (a TestClient or a client of a real server)."""
    form = client.get("/login")
    data = {"name": name, "password": password, "csrf_token": csrf_of(form)}
    if next_page is not None:
        data["next"] = next_page
    response: Response = client.post("/login", data=data)
    return response


def queue(client: TestClient, status: str | None = None) -> str:
    response: Response = client.get("/escalaties", params={"status": status} if status else None)
    assert response.status_code == 200, response.text
    return response.text
