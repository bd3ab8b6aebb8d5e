"""GET /api/v1/connectors and the controls: who may read, who may control, what each control does."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from connectors.model import Counts, State
from connectors.state_sql import SqlConnectorStateStore
from schemas.identifiers import Domain
from services.directory.model import Role
from services.gateway.app import create_app
from tests.support.api import api_runtime, call
from tests.support.databases import DatabaseFactory
from tests.support.events import DAM_BUURT

pytestmark = pytest.mark.db


@dataclass
class World:
    client: TestClient
    store: SqlConnectorStateStore
    tokens: dict[str, str]

    def call(self, method: str, path: str, who: str | None) -> tuple[int, object]:
        return call(self.client, method, path, self.tokens[who] if who else None)


@pytest.fixture
def world(tmp_path: Path, databases: DatabaseFactory) -> Iterator[World]:
    settings, runtime = api_runtime(tmp_path, databases)
    directory = runtime.directory
    directory.add_organisation("gemeente", Domain.MUNICIPALITY, "Gemeente")
    tokens = {
        name: directory.add_user(name, role, org=org, buurten=buurten)[1].token
        for name, role, org, buurten in (
            ("beheer", Role.ADMIN, None, ()),
            ("anna", Role.TASKFORCE, None, ()),
            ("lisa", Role.LIAISON, "gemeente", ()),
            ("rik", Role.RESIDENT, None, (DAM_BUURT,)),
        )
    }
    store = SqlConnectorStateStore(runtime.sessions)
    store.register("signalen-noord", "signalen", "gemeente")
    store.set_state("signalen-noord", State.RUNNING)
    store.advance(
        "signalen-noord", {"updated_after": "2026-11-20T10:00:00+00:00"}, Counts(7, 1, 2), success=True
    )
    with TestClient(create_app(settings, runtime)) as client:
        yield World(client, store, tokens)


def test_admins_and_the_taskforce_see_state_counts_and_checkpoint(world: World) -> None:
    for who in ("beheer", "anna"):
        status, body = world.call("GET", "/api/v1/connectors", who)
        assert status == 200
        assert isinstance(body, list) and len(body) == 1
        item = body[0]
        assert item["name"] == "signalen-noord" and item["state"] == "running"
        assert item["counts"] == {"emitted": 7, "dead_lettered": 1, "retried": 2}
        assert item["checkpoint"] == {"updated_after": "2026-11-20T10:00:00+00:00"}
        assert item["last_success_at"] is not None


@pytest.mark.parametrize(("who", "expected"), [(None, 401), ("lisa", 403), ("rik", 403)])
def test_others_may_not_read(world: World, who: str | None, expected: int) -> None:
    assert world.call("GET", "/api/v1/connectors", who)[0] == expected
    assert world.call("GET", "/api/v1/connectors/signalen-noord", who)[0] == expected


def test_pause_resume_restart_and_reset_take_effect_for_admins_only(world: World) -> None:
    assert world.call("PUT", "/api/v1/connectors/signalen-noord/pause", "anna")[0] == 403
    status, body = world.call("PUT", "/api/v1/connectors/signalen-noord/pause", "beheer")
    assert status == 200 and body["paused"] is True  # type: ignore[index]
    assert world.store.get("signalen-noord").paused is True  # type: ignore[union-attr]
    status, body = world.call("PUT", "/api/v1/connectors/signalen-noord/resume", "beheer")
    assert status == 200 and body["paused"] is False  # type: ignore[index]
    world.store.set_state("signalen-noord", State.FAILED, "Signalen refused the token (401)")
    status, body = world.call("POST", "/api/v1/connectors/signalen-noord/restart", "beheer")
    assert status == 200 and body["state"] == "starting"  # type: ignore[index]
    status, body = world.call("DELETE", "/api/v1/connectors/signalen-noord/offsets", "beheer")
    assert status == 200 and body["checkpoint"] is None  # type: ignore[index]
    assert world.store.get("signalen-noord").checkpoint is None  # type: ignore[union-attr]


def test_an_unknown_connector_is_404_with_a_readable_error(world: World) -> None:
    status, body = world.call("GET", "/api/v1/connectors/nope", "anna")
    assert status == 404 and body["error"] == "connector_not_found"  # type: ignore[index]
    status, body = world.call("PUT", "/api/v1/connectors/nope/pause", "beheer")
    assert status == 404 and "nope" in body["message"]  # type: ignore[index]
