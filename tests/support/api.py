"""The API under test: a runtime on a freshly migrated database (no broker), and calls as a user."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from services.config import Settings
from services.db.engine import create_db_engine
from services.db.migrate import upgrade
from services.gateway.runtime import Runtime, build_runtime
from tests.support.databases import DatabaseFactory


def api_runtime(data_dir: Path, databases: DatabaseFactory) -> tuple[Settings, Runtime]:
    """Settings and a runtime on a new, migrated database, without a broker."""
    url = databases.new()
    engine = create_db_engine(url)
    upgrade(engine)
    engine.dispose()
    settings = Settings(data_dir=data_dir, database_url=url, kafka_bootstrap=None)
    return settings, build_runtime(settings)


def call(client: TestClient, method: str, path: str, token: str | None, body: Any = None) -> tuple[int, Any]:
    """The status and the JSON body (None for another content type) of a request with `token`."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = client.request(method, path, headers=headers, json=body)
    is_json = "json" in response.headers.get("content-type", "")
    return response.status_code, response.json() if is_json else None
