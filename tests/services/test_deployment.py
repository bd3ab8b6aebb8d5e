"""open_deployment: a deployment's database is migrated and, when it has no buurten yet, seeded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, MetaData, inspect

from services.config import Settings
from services.db.engine import create_db_engine, create_session_factory
from services.db.migrate import is_up_to_date
from services.deployment import open_deployment
from services.geo.shipped import load_shipped_buurten
from services.geo.store import SqlBuurtStore

pytestmark = pytest.mark.db

SHIPPED_BUURTEN = 439
"""The buurten of Amsterdam that PRODUCT.md names as the demo municipality."""


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_db_engine(database_url)
    yield engine
    engine.dispose()


def _drop_everything(engine: Engine) -> None:
    reflected = MetaData()
    reflected.reflect(engine)
    with engine.begin() as connection:
        reflected.drop_all(connection)


def _shipped_codes() -> list[str]:
    return sorted(buurt.code for buurt in load_shipped_buurten())


def test_an_empty_database_is_migrated_and_seeded(database_url: str, engine: Engine, tmp_path: Path) -> None:
    _drop_everything(engine)
    settings = Settings(data_dir=tmp_path, database_url=database_url)

    untouched = open_deployment(settings, migrate=False)
    untouched.close()
    assert inspect(engine).get_table_names() == []

    deployment = open_deployment(settings)
    try:
        assert is_up_to_date(deployment.engine)
        buurten = SqlBuurtStore(deployment.sessions)
        assert buurten.count() == SHIPPED_BUURTEN
        assert [buurt.code for buurt in buurten.load_all()] == _shipped_codes()
    finally:
        deployment.close()


def test_a_database_with_buurten_is_not_reseeded(database_url: str, engine: Engine, tmp_path: Path) -> None:
    own = load_shipped_buurten()[:2]
    SqlBuurtStore(create_session_factory(engine)).replace_all(own)

    deployment = open_deployment(Settings(data_dir=tmp_path, database_url=database_url))
    try:
        buurten = SqlBuurtStore(deployment.sessions)
        assert [buurt.code for buurt in buurten.load_all()] == sorted(buurt.code for buurt in own)
        assert is_up_to_date(deployment.engine)
    finally:
        deployment.close()


def test_without_a_database_url_it_uses_sqlite_in_a_new_data_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WIJKBRUG_DATABASE_URL", raising=False)
    data_dir = tmp_path / "not" / "yet"

    deployment = open_deployment(Settings(data_dir=data_dir))
    try:
        url = deployment.engine.url
        assert url.get_backend_name() == "sqlite"
        assert Path(str(url.database)) == data_dir / "wijkbrug.db"
        assert SqlBuurtStore(deployment.sessions).count() == SHIPPED_BUURTEN
    finally:
        deployment.close()
    assert (data_dir / "wijkbrug.db").is_file()

    # Opening it again finds it migrated and seeded: nothing to do, nothing duplicated.
    again = open_deployment(Settings(data_dir=data_dir))
    try:
        assert again.engine.url.database == url.database
        assert SqlBuurtStore(again.sessions).count() == SHIPPED_BUURTEN
    finally:
        again.close()
