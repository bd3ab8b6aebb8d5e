"""Schema migrations: an empty database reaches the newest revision, and the ORM agrees with the result."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, MetaData, func, inspect, select, text

from services.db import models
from services.db.engine import create_db_engine, create_session_factory
from services.db.migrate import current_revision, head_revision, is_up_to_date, upgrade
from services.db.models import Base

pytestmark = pytest.mark.db


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_db_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def empty_engine(engine: Engine) -> Engine:
    """The test database with every table dropped, the Alembic version table included."""
    reflected = MetaData()
    reflected.reflect(engine)
    with engine.begin() as connection:
        reflected.drop_all(connection)
    assert inspect(engine).get_table_names() == []
    return engine


def _schema_differences(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        return list(compare_metadata(context, Base.metadata))


def test_upgrade_on_an_empty_database_reaches_head(empty_engine: Engine) -> None:
    assert current_revision(empty_engine) is None
    assert head_revision(empty_engine) is not None
    assert not is_up_to_date(empty_engine)

    upgrade(empty_engine)

    assert current_revision(empty_engine) == head_revision(empty_engine)
    assert is_up_to_date(empty_engine)
    tables = set(inspect(empty_engine).get_table_names())
    assert tables == {*Base.metadata.tables, "alembic_version"}


def test_the_orm_metadata_matches_a_freshly_migrated_schema(empty_engine: Engine) -> None:
    upgrade(empty_engine)

    assert _schema_differences(empty_engine) == []


def test_upgrading_twice_is_harmless(engine: Engine) -> None:
    sessions = create_session_factory(engine)
    with sessions.begin() as session:
        session.add(models.Organisation(slug="woco-oost", domain="housing", name="Woco Oost"))
    with sessions() as session:
        buurten_before = session.scalar(select(func.count()).select_from(models.BuurtRow))
    revision = current_revision(engine)

    upgrade(engine)
    upgrade(engine)

    assert current_revision(engine) == revision == head_revision(engine)
    assert _schema_differences(engine) == []
    with sessions() as session:
        assert session.scalar(
            select(models.Organisation.name).where(models.Organisation.slug == "woco-oost")
        ) == ("Woco Oost")
        assert session.scalar(select(func.count()).select_from(models.BuurtRow)) == buurten_before
        assert buurten_before


@pytest.mark.parametrize("recorded", ["0000-from-elsewhere", None], ids=["foreign-revision", "no-revision"])
def test_a_database_at_another_revision_is_not_up_to_date(engine: Engine, recorded: str | None) -> None:
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM alembic_version"))
        if recorded is not None:
            connection.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": recorded})

    assert current_revision(engine) == recorded
    assert not is_up_to_date(engine)
