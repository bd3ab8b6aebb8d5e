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


_NOTHING = object()


def insert_many_ignoring_conflicts(
    session: Session,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    conflict_columns: Sequence[str],
) -> None:
    """`insert_ignoring_conflicts` for bulk loads: rows as tuples in `columns` order, handed to the
    driver's executemany directly.

    SQLAlchemy builds and type-processes a parameter dictionary per row, which costs several times the
    insert itself on a batch of thousands; here only the columns whose type needs converting (dates)
    are converted, and one INSERT text per dialect is reused for every row.
    """
    if not rows:
        return
    dialect = session.get_bind().dialect
    compiled = _statement(session, table, conflict_columns).compile(
        dialect=dialect, column_keys=list(columns)
    )
    converting = [
        (index, processor)
        for index, name in enumerate(columns)
        if (processor := table.c[name].type.dialect_impl(dialect).bind_processor(dialect)) is not None
    ]
    if converting:
        # A bulk load repeats the same object in some columns (one timestamp for the whole batch): it is
        # converted once, not once per row.
        last: list[tuple[Any, Any]] = [(_NOTHING, None) for _ in converting]
        converted = []
        for row in rows:
            values = list(row)
            for slot, (index, processor) in enumerate(converting):
                value = values[index]
                seen, result = last[slot]
                if value is not seen:
                    result = processor(value)
                    last[slot] = (value, result)
                values[index] = result
            converted.append(values)
        rows = converted
    parameters: list[Any]
    if compiled.positional:  # SQLite: "?" markers in the compiled statement's own order
        order = [columns.index(name) for name in compiled.positiontup or ()]
        parameters = [tuple(row[index] for index in order) for row in rows]
    else:  # psycopg: named markers
        parameters = [dict(zip(columns, row, strict=True)) for row in rows]
    session.connection().exec_driver_sql(compiled.string, parameters)


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
