"""Fresh migrated databases per test: SQLite files, or PostgreSQL databases copied from a template."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from services.config import Settings
from services.deployment import open_deployment

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


class DatabaseFactory:
    """Hands out new databases, each a copy of one migrated and seeded template."""

    def __init__(self, backend: str, workdir: Path, admin_url: str | None = None) -> None:
        self.backend = backend
        self._workdir = workdir
        self._admin_url = admin_url
        self._prefix = f"wbt_{uuid.uuid4().hex[:10]}"
        self._count = 0
        self._created: list[str] = []
        self._template = self._make_template()

    def _make_template(self) -> str:
        if self.backend == "sqlite":
            path = self._workdir / "template.db"
            _migrate(f"sqlite:///{path}", self._workdir)
            return str(path)
        name = f"{self._prefix}_tpl"
        self._execute(f'CREATE DATABASE "{name}"')
        self._created.append(name)
        _migrate(self._url_for(name), self._workdir)
        return name

    def new(self) -> str:
        """The URL of a new database with the newest schema and the shipped buurten."""
        self._count += 1
        if self.backend == "sqlite":
            path = self._workdir / f"db-{self._count}.db"
            shutil.copyfile(self._template, path)
            return f"sqlite:///{path}"
        name = f"{self._prefix}_{self._count}"
        self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{self._template}"')
        self._created.append(name)
        return self._url_for(name)

    def close(self) -> None:
        for name in reversed(self._created):
            self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _url_for(self, name: str) -> str:
        assert self._admin_url is not None
        return make_url(self._admin_url).set(database=name).render_as_string(hide_password=False)

    def _execute(self, statement: str) -> None:
        assert self._admin_url is not None
        engine = create_engine(self._admin_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                connection.execute(text(statement))
        finally:
            engine.dispose()


def _migrate(url: str, workdir: Path) -> None:
    settings = Settings(data_dir=workdir, database_url=url)
    open_deployment(settings).close()


@contextmanager
def database_factory(backend: str, workdir: Path) -> Iterator[DatabaseFactory]:
    """A factory for `backend`; PostgreSQL that cannot be reached skips locally and fails in CI."""
    admin_url = None
    if backend == "postgresql":
        admin_url = os.environ.get("WIJKBRUG_TEST_POSTGRES_URL", DEFAULT_POSTGRES)
        try:
            engine = create_engine(admin_url)
            with engine.connect():
                pass
            engine.dispose()
        except OperationalError as exc:
            if os.environ.get("CI"):
                raise RuntimeError(f"PostgreSQL is required in CI but not reachable at {admin_url}") from exc
            pytest.skip(f"PostgreSQL not reachable at {admin_url}")
    factory = DatabaseFactory(backend, workdir, admin_url)
    try:
        yield factory
    finally:
        if backend == "postgresql":
            factory.close()
