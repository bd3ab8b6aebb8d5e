"""The lifecycle over the API: the taskforce's way from open to decided, what liaisons and residents may
do, optimistic locking as a 409, and the audit log that administrators read and export."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from schemas.identifiers import Domain
from services.directory.model import Role
from services.escalations.decision_event import TASKFORCE_SOURCE
from services.gateway.app import create_app
from services.gateway.runtime import Runtime
from services.journal.sql import SqlJournalStore
from tests.support.api import api_runtime, call
from tests.support.databases import DatabaseFactory
from tests.support.escalations import T0, evidence, message

pytestmark = pytest.mark.db


@dataclass
class World:
    client: TestClient
    runtime: Runtime
    tokens: dict[str, str]
    escalation_id: int

    def call(self, method: str, path: str, who: str | None, body: Any = None) -> tuple[int, Any]:
        return call(self.client, method, path, self.tokens[who] if who else None, body)

    def act(self, action: str, who: str, body: Any = None) -> tuple[int, Any]:
        return self.call("POST", f"/api/v1/escalations/{self.escalation_id}/{action}", who, body)


@pytest.fixture
def world(tmp_path: Path, databases: DatabaseFactory) -> Iterator[World]:
    settings, runtime = api_runtime(tmp_path, databases)
    directory = runtime.directory
    for slug, domain in (("woco", Domain.HOUSING), ("gemeente", Domain.SOCIAL), ("politie", Domain.SAFETY)):
        directory.add_organisation(slug, domain, slug.title())
    tokens = {
        name: directory.add_user(name, role, org=org, buurten=buurten)[1].token
        for name, role, org, buurten in (
            ("beheer", Role.ADMIN, None, ()),
            ("anna", Role.TASKFORCE, None, ()),
            ("bram", Role.TASKFORCE, None, ()),
            ("lisa", Role.LIAISON, "woco", ()),
            ("piet", Role.LIAISON, "politie", ()),
            ("rik", Role.RESIDENT, None, ("BU0363AD05",)),
        )
    }
    items = [evidence("e-1", "woco", T0), evidence("e-2", "gemeente", T0)]
    (escalation_id,) = runtime.escalations.apply([message("k-1", items)]).opened
    with TestClient(create_app(settings, runtime)) as client:
        yield World(client, runtime, tokens, escalation_id)


def _decide(world: World, who: str = "anna", version: int = 3) -> tuple[int, Any]:
    body = {
        "version": version,
        "decision": "maatwerk",
        "text": "Ontruiming opschorten zolang de schuldhulp loopt",
        "instructions": [{"org": "woco", "action": "Schort de ontruiming op"}],
    }
    return world.act("decide", who, body)


def _to_in_progress(world: World) -> None:
    assert world.act("acknowledge", "anna", {"version": 1})[0] == 200
    assert world.act("assign", "anna", {"version": 2, "assignee": "bram"})[0] == 200


def test_the_taskforce_acknowledges_assigns_and_decides(world: World) -> None:
    status, body = world.act("acknowledge", "anna", {"version": 1})
    assert status == 200 and body["status"] == "acknowledged" and body["version"] == 2
    status, body = world.act("assign", "anna", {"version": 2, "assignee": "bram"})
    assert status == 200 and body["status"] == "in_progress" and body["assignee"] == "bram"

    status, body = _decide(world)

    assert status == 200 and body["status"] == "decided"
    assert body["decision"]["decision"] == "maatwerk" and body["decision"]["decided_by"] == "anna"
    assert body["decision"]["instructions"] == [
        {"org": "woco", "action": "Schort de ontruiming op", "done_at": None, "done_by": None}
    ]
    assert [(s["action"], s["to_status"]) for s in body["history"]] == [
        ("acknowledge", "acknowledged"),
        ("assign", "in_progress"),
        ("decide", "decided"),
    ]
    # No broker here: the decision waits in the journal for the relay.
    (pending,) = SqlJournalStore(world.runtime.sessions).pending(TASKFORCE_SOURCE)
    assert pending.event_id == body["decision"]["event_id"]
    assert asyncio.run(world.runtime.taskforce.publish_pending()) == 0


def test_a_stale_version_is_a_409_that_says_what_to_do(world: World) -> None:
    world.act("acknowledge", "anna", {"version": 1})

    status, body = world.act("assign", "bram", {"version": 1, "assignee": "bram"})

    assert status == 409 and body["error"] == "version_conflict"
    assert "reload" in body["message"]


@pytest.mark.parametrize(
    ("action", "body", "code"),
    [
        ("decide", {"version": 1, "decision": "maatwerk", "text": "x"}, "transition_not_allowed"),
        ("resolve", {"version": 1}, "transition_not_allowed"),
    ],
)
def test_an_action_the_status_does_not_allow_is_a_409(
    world: World, action: str, body: dict[str, Any], code: str
) -> None:
    status, answer = world.act(action, "anna", body)

    assert (status, answer["error"]) == (409, code)


@pytest.mark.parametrize(
    "body",
    [
        {"version": 2, "assignee": "lisa"},  # a liaison is no taskforce member
        {"version": 2, "assignee": "niemand"},
    ],
)
def test_only_a_taskforce_member_can_be_assigned(world: World, body: dict[str, Any]) -> None:
    world.act("acknowledge", "anna", {"version": 1})

    status, answer = world.act("assign", "anna", body)

    assert (status, answer["error"]) == (422, "invalid_command")


def test_a_decision_must_name_known_organisations_and_a_known_kind(world: World) -> None:
    _to_in_progress(world)
    unknown_org = {
        "version": 3,
        "decision": "maatwerk",
        "text": "x",
        "instructions": [{"org": "x", "action": "y"}],
    }

    assert world.act("decide", "anna", unknown_org)[0] == 422
    assert world.act("decide", "anna", {"version": 3, "decision": "verbieden", "text": "x"})[0] == 422


def test_a_liaison_comments_and_confirms_their_own_instruction_only(world: World) -> None:
    _to_in_progress(world)
    _decide(world)

    assert world.act("acknowledge", "lisa", {"version": 4})[0] == 403
    assert _decide(world, who="lisa", version=4)[0] == 403
    status, body = world.act("comments", "lisa", {"text": "Ontruiming is opgeschort"})
    assert status == 200 and body["history"][-1]["text"] == "Ontruiming is opgeschort"
    assert world.act("instructions/gemeente/done", "lisa")[0] == 403
    status, body = world.act("instructions/woco/done", "lisa")
    assert status == 200 and body["decision"]["instructions"][0]["done_by"] == "lisa"
    # A liaison of an organisation that is not involved does not see the escalation at all.
    assert world.act("comments", "piet", {"text": "hallo"})[0] == 404
    assert world.call("GET", f"/api/v1/escalations/{world.escalation_id}", "piet")[0] == 404


def test_residents_and_admins_take_no_actions_and_residents_see_no_household(world: World) -> None:
    for who in ("rik", "beheer"):
        assert world.act("acknowledge", who, {"version": 1})[0] == 403
        assert world.act("comments", who, {"text": "hallo"})[0] == 403
    assert world.call("GET", f"/api/v1/escalations/{world.escalation_id}", "rik")[0] == 404
    assert world.call("GET", "/api/v1/escalations", "rik")[1]["total"] == 0


def test_the_audit_log_records_views_and_changes_and_admins_export_it(world: World) -> None:
    world.call("GET", f"/api/v1/escalations/{world.escalation_id}", "anna")
    world.act("acknowledge", "anna", {"version": 1})
    world.call("GET", f"/api/v1/escalations/{world.escalation_id}", "lisa")

    assert world.call("GET", "/api/v1/audit", "anna")[0] == 403
    status, page = world.call("GET", "/api/v1/audit", "beheer")
    assert status == 200 and page["total"] == 3
    assert [(e["actor"], e["role"], e["action"]) for e in page["items"]] == [
        ("lisa", "liaison", "escalation.view"),
        ("anna", "taskforce", "escalation.acknowledge"),
        ("anna", "taskforce", "escalation.view"),
    ]
    assert {e["target"] for e in page["items"]} == {f"escalation:{world.escalation_id}"}
    assert page["items"][1]["detail"] == {"from": "open", "to": "acknowledged"}

    response = world.client.get(
        "/api/v1/audit.csv", headers={"Authorization": f"Bearer {world.tokens['beheer']}"}
    )
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(row["actor"], row["action"]) for row in rows] == [
        ("lisa", "escalation.view"),
        ("anna", "escalation.acknowledge"),
        ("anna", "escalation.view"),
    ]
    status, page = world.call("GET", "/api/v1/audit?actor=beheer", "beheer")
    assert [e["action"] for e in page["items"]] == ["audit.export"]
