"""Opening a deployment's database: migrated to the newest schema, with reference data in place."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from services.config import Settings
from services.db.engine import create_db_engine, create_session_factory
from services.db.migrate import upgrade
from services.geo.shipped import load_shipped_buurten
from services.geo.store import SqlBuurtStore

log = logging.getLogger(__name__)


@dataclass
class Deployment:
    """A migrated database of one deployment."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]

    def close(self) -> None:
        self.engine.dispose()


def open_deployment(settings: Settings, *, migrate: bool = True) -> Deployment:
    """Connect, bring the schema to the newest revision and seed the shipped buurten into an empty table.

    A deployment starts with the demo municipality's buurten (Amsterdam, shipped in the package) until a
    municipality loads its own with `wijkbrug buurten load`.
    """
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_db_engine(settings.sqlalchemy_url())
    if migrate:
        upgrade(engine)
    sessions = create_session_factory(engine)
    buurten = SqlBuurtStore(sessions)
    if migrate and buurten.count() == 0:
        count = buurten.replace_all(load_shipped_buurten())
        log.info("seeded %d buurten of the demo municipality", count)
    return Deployment(settings=settings, engine=engine, sessions=sessions)
