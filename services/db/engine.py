"""Engine and session factories; SQLite gets the settings that make several processes share it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 30_000
WRITE_OPTION = "wijkbrug_writes"


def create_db_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`; SQLite runs in WAL mode with a busy timeout and foreign keys on."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}, **kwargs
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event emit BEGIN itself (see _sqlite_begin_immediate).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin_immediate(connection: Any) -> None:
    # Several processes write to one SQLite file. A deferred transaction that reads and then writes can
    # fail at once with SQLITE_BUSY when another process committed meanwhile; taking the write lock at
    # BEGIN makes a writing transaction wait (busy_timeout) instead. Reading transactions stay deferred:
    # in WAL mode they read a snapshot and never wait for a writer.
    if connection.get_execution_options().get(WRITE_OPTION):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        connection.exec_driver_sql("BEGIN")


class _Session(Session):
    """A session whose explicit `begin()` (`sessionmaker.begin()`) marks a writing transaction."""

    def begin(self, nested: bool = False) -> Any:
        transaction = super().begin(nested=nested)
        bind = self.get_bind()
        if not nested and bind.dialect.name == "sqlite":
            self.connection(execution_options={WRITE_OPTION: True})
        return transaction


def create_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit.

    Use `factory.begin()` for a transaction that writes and `factory()` for one that only reads.
    """
    return sessionmaker(engine, class_=_Session, expire_on_commit=False)
