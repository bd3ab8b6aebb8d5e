"""Fixtures shared by the whole suite: the database under test, the embedded broker, a running hub."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete
from sqlalchemy.orm import Session, sessionmaker

from services.db.engine import create_db_engine, create_session_factory
from tests.support.broker import session_broker
from tests.support.databases import DatabaseFactory, database_factory
from tests.support.hub import Hub, start_hub

pytest_plugins: list[str] = []


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        default=os.environ.get("WIJKBRUG_TEST_DB", "sqlite"),
        choices=("sqlite", "postgresql"),
        help="database backend for the database and end-to-end tests (env WIJKBRUG_TEST_DB)",
    )


@pytest.fixture(scope="session")
def db_backend(request: pytest.FixtureRequest) -> str:
    return str(request.config.getoption("--db"))


@pytest.fixture(scope="session")
def databases(db_backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseFactory]:
    with database_factory(db_backend, tmp_path_factory.mktemp("databases")) as factory:
        yield factory


@pytest.fixture
def database_url(databases: DatabaseFactory) -> str:
    """A fresh, migrated, seeded database for one test."""
    return databases.new()


@pytest.fixture(scope="module")
def module_engine(databases: DatabaseFactory) -> Iterator[Engine]:
    """One migrated and seeded database for a test module: on PostgreSQL a new database per test costs
    0.3-0.5 s (CREATE DATABASE ... TEMPLATE, DROP DATABASE), emptying a few tables costs milliseconds."""
    engine = create_db_engine(databases.new())
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(module_engine: Engine, request: pytest.FixtureRequest) -> sessionmaker[Session]:
    """Sessions on the module's database, after emptying the tables the module names in `TABLES`
    (children first)."""
    tables = getattr(request.module, "TABLES", None)
    if tables is None:
        raise pytest.UsageError(f"{request.module.__name__} uses `sessions` but names no TABLES to empty")
    with module_engine.begin() as connection:
        for table in tables:
            connection.execute(delete(table))
    return create_session_factory(module_engine)


@pytest.fixture(scope="session")
def broker_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One embedded broker for the whole test session."""
    with session_broker(tmp_path_factory.mktemp("broker")) as bootstrap:
        yield bootstrap


@pytest.fixture(scope="session")
def hub(
    broker_bootstrap: str, databases: DatabaseFactory, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Hub]:
    """A running `wijkbrug up` on the session broker (own topic prefix and database), shared by e2e tests."""
    data_dir: Path = tmp_path_factory.mktemp("hub")
    with start_hub(data_dir, database_url=databases.new(), bootstrap=broker_bootstrap) as running:
        yield running
