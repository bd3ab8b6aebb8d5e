"""INSERT ... ON CONFLICT DO NOTHING for the two supported dialects."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_ignoring_conflicts(
    session: Session, table: Table, rows: Sequence[Mapping[str, Any]], conflict_columns: Sequence[str]
) -> None:
    """Insert `rows`, silently skipping those that collide on the unique `conflict_columns`."""
    if not rows:
        return
    session.execute(_statement(session, table, conflict_columns), list(rows))


def insert_if_absent(
    session: Session, table: Table, row: Mapping[str, Any], conflict_columns: Sequence[str]
) -> bool:
    """Insert one row unless it collides on the unique `conflict_columns`; True if it was inserted."""
    # RETURNING yields a row only when the row went in. The rowcount cannot tell: on PostgreSQL SQLAlchemy
    # adds RETURNING of the primary key itself and the result then reports rowcount -1 (every insert
    # looked like a conflict).
    statement = _statement(session, table, conflict_columns).returning(
        *(table.c[name] for name in conflict_columns)
    )
    return session.execute(statement, dict(row)).first() is not None


def _statement(session: Session, table: Table, conflict_columns: Sequence[str]) -> Any:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=list(conflict_columns))
    if dialect == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing(index_elements=list(conflict_columns))
    raise NotImplementedError(f"unsupported database dialect {dialect!r}")
