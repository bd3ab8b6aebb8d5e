"""Alembic environment: runs migrations on the connection that `services.db.migrate` hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from services.db.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection: Connection | None = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through services.db.migrate (wijkbrug db upgrade)")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("offline migrations are not supported; run wijkbrug db upgrade")
run_migrations_online()
