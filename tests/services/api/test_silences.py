"""/api/v1/silences and the escalations API's SLA and silence fields: roles, validation, audit, effect."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from schemas.identifiers import Domain
from services.db.models import Escalation
from services.db.types import utcnow
from services.directory.model import Role
from services.gateway.app import create_app
from services.gateway.runtime import Runtime
from tests.support.api import api_runtime, call
from tests.support.databases import DatabaseFactory
from tests.support.escalations import CENTRUM, T0, evidence, message

pytestmark = pytest.mark.db

RULE = "eviction-during-debt-assistance"
ROLES = (
    ("beheer", Role.ADMIN, None, ()),
    ("anna", Role.TASKFORCE, None, ()),
    ("lisa", Role.LIAISON, "woco", ()),
    ("rik", Role.RESIDENT, None, (CENTRUM,)),
)


@dataclass
class World:
    client: TestClient
    runtime: Runtime
    tokens: dict[str, str]

    def call(self, method: str, path: str, who: str | None, body: Any = None) -> tuple[int, Any]:
        return call(self.client, method, path, self.tokens[who] if who else None, body)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, databases: DatabaseFactory) -> Iterator[World]:
    settings, runtime = api_runtime(Path(tmp_path_factory.mktemp("silences-api")), databases)
    runtime.directory.add_organisation("woco", Domain.HOUSING, "Woco")
    tokens = {
        name: runtime.directory.add_user(name, role, org=org, buurten=buurten)[1].token
        for name, role, org, buurten in ROLES
    }
    with TestClient(create_app(settings, runtime)) as client:
        yield World(client, runtime, tokens)


def _body(subject: str, /, **changes: Any) -> dict[str, Any]:
    ends_at = (utcnow() + timedelta(days=14)).isoformat()
    return {"rule": RULE, "subject": subject, "reason": "Maatwerk loopt al", "ends_at": ends_at, **changes}


def _escalation(world: World, subject: str) -> int:
    items = [evidence(f"e-{subject}", "woco", T0)]
    opened: tuple[int, ...] = world.runtime.escalations.apply(
        [message(f"k-{subject}", items, subject=subject)]
    ).opened
    return opened[0]


@pytest.mark.parametrize(
    ("who", "expected"), [("anna", 201), ("beheer", 201), ("lisa", 403), ("rik", 403), (None, 401)]
)
def test_who_may_create_a_silence(world: World, who: str | None, expected: int) -> None:
    status, body = world.call("POST", "/api/v1/silences", who, _body("hh:createrole01"))

    assert status == expected, body
    if expected == 201:
        assert body["created_by"] == who and body["active"] is True and body["expired_at"] is None


@pytest.mark.parametrize(
    ("who", "expected"), [("anna", 200), ("beheer", 200), ("lisa", 403), ("rik", 403), (None, 401)]
)
def test_who_may_list_silences(world: World, who: str | None, expected: int) -> None:
    assert world.call("GET", "/api/v1/silences", who)[0] == expected


@pytest.mark.parametrize(("who", "expected"), [("lisa", 403), ("rik", 403), (None, 401)])
def test_who_may_not_end_a_silence(world: World, who: str | None, expected: int) -> None:
    _, created = world.call("POST", "/api/v1/silences", "anna", _body("hh:expirerole1"))

    assert world.call("POST", f"/api/v1/silences/{created['id']}/expire", who)[0] == expected
    _, active = world.call("GET", "/api/v1/silences?active=true", "anna")
    assert created["id"] in {item["id"] for item in active["items"]}


def test_create_list_expire_and_the_audit_log(world: World) -> None:
    _, created = world.call("POST", "/api/v1/silences", "anna", _body("hh:lifecycle01"))
    silence_id = created["id"]

    status, expired = world.call("POST", f"/api/v1/silences/{silence_id}/expire", "beheer")

    assert status == 200
    assert expired["expired_by"] == "beheer" and expired["active"] is False
    _, active = world.call("GET", "/api/v1/silences?active=true", "anna")
    _, ended = world.call("GET", "/api/v1/silences?active=false", "anna")
    assert silence_id not in {item["id"] for item in active["items"]}
    assert silence_id in {item["id"] for item in ended["items"]}
    entries, _ = world.runtime.audit.entries(target=f"silence:{silence_id}")
    assert [(entry.action, entry.actor) for entry in entries] == [
        ("silence.expire", "beheer"),
        ("silence.create", "anna"),
    ]
    assert world.call("POST", f"/api/v1/silences/{silence_id}/expire", "anna")[0] == 409


def test_ending_an_unknown_silence_is_a_404(world: World) -> None:
    status, body = world.call("POST", "/api/v1/silences/999999/expire", "anna")

    assert (status, body["error"]) == (404, "silence_not_found")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"rule": "no-such-rule"}, "rule"),
        ({"buurt": CENTRUM}, "target"),
        ({"subject": "ini:initiative01"}, "subject"),
        ({"reason": "ok"}, "reason"),
        ({"ends_at": (utcnow() - timedelta(days=1)).isoformat()}, "ends_at"),
        ({"ends_at": (utcnow() + timedelta(days=400)).isoformat()}, "ends_at"),
    ],
)
def test_an_invalid_silence_is_a_422_naming_the_field(
    world: World, changes: dict[str, Any], field: str
) -> None:
    status, body = world.call("POST", "/api/v1/silences", "anna", _body("hh:invalid00001", **changes))

    assert (status, body["error"]) == (422, "invalid_silence")
    assert body["events"][0]["field"] == field


def test_an_end_without_a_time_zone_is_refused(world: World) -> None:
    status, _ = world.call(
        "POST", "/api/v1/silences", "anna", _body("hh:invalid00002", ends_at="2030-01-01T00:00:00")
    )

    assert status == 422


def test_escalations_show_and_filter_by_silence(world: World) -> None:
    escalation_id = _escalation(world, "hh:muted000001")
    _, created = world.call("POST", "/api/v1/silences", "anna", _body("hh:muted000001"))

    _, hidden = world.call("GET", "/api/v1/escalations?silenced=false&limit=500", "anna")
    _, only = world.call("GET", "/api/v1/escalations?silenced=true&limit=500", "anna")
    _, everything = world.call("GET", "/api/v1/escalations?limit=500", "anna")
    _, one = world.call("GET", f"/api/v1/escalations/{escalation_id}", "anna")

    assert escalation_id not in {item["id"] for item in hidden["items"]}
    assert escalation_id in {item["id"] for item in only["items"]}
    assert escalation_id in {item["id"] for item in everything["items"]}
    assert one["silenced_until"] == created["ends_at"]
    world.call("POST", f"/api/v1/silences/{created['id']}/expire", "anna")
    _, again = world.call("GET", f"/api/v1/escalations/{escalation_id}", "anna")
    assert again["silenced_until"] is None


def test_escalations_show_their_sla_and_filter_by_it(world: World) -> None:
    late = _escalation(world, "hh:latelate0001")
    fresh = _escalation(world, "hh:freshfresh01")
    with world.runtime.sessions.begin() as session:
        session.execute(
            update(Escalation).where(Escalation.id == late).values(created_at=utcnow() - timedelta(days=2))
        )

    _, over = world.call("GET", "/api/v1/escalations?over_sla=true&limit=500", "anna")
    _, late_one = world.call("GET", f"/api/v1/escalations/{late}", "anna")
    _, fresh_one = world.call("GET", f"/api/v1/escalations/{fresh}", "anna")

    ids = {item["id"] for item in over["items"]}
    assert late in ids and fresh not in ids
    assert late_one["sla"]["clock"] == "acknowledge" and late_one["sla"]["overdue"] is True
    assert fresh_one["sla"]["clock"] == "acknowledge" and fresh_one["sla"]["overdue"] is False
    assert fresh_one["sla"]["due_at"] is not None
