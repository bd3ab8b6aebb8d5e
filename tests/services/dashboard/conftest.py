"""Fixtures of the dashboard's page tests: one shared deployment per module, or one per test."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from tests.support.dashboard import World, cheap_password_hash, running_world
from tests.support.databases import DatabaseFactory
from tests.support.report_figures import prepare_figures


@pytest.fixture(scope="module")
def password_hash() -> str:
    return cheap_password_hash()


@pytest.fixture(scope="module")
def shared_world(
    databases: DatabaseFactory, tmp_path_factory: pytest.TempPathFactory, password_hash: str
) -> Iterator[World]:
    """One deployment for the read-only tests of this module; each test gets a fresh browser."""
    with running_world(tmp_path_factory.mktemp("dashboard"), databases.new(), password_hash) as world:
        yield world


@pytest.fixture
def world(shared_world: World) -> World:
    shared_world.client.cookies.clear()
    return shared_world


@pytest.fixture
def own_world(tmp_path: Path, database_url: str, password_hash: str) -> Iterator[World]:
    """A deployment of its own, for a test that breaks it."""
    with running_world(tmp_path, database_url, password_hash) as world:
        yield world


@pytest.fixture(scope="module")
def opened_from(shared_world: World) -> datetime:
    """The report figures of tests/support/report_figures.py, added to the module's shared world."""
    return prepare_figures(shared_world)


@pytest.fixture
def figures(world: World, opened_from: datetime) -> World:
    """The shared world with the report figures in it, with a fresh browser."""
    return world
