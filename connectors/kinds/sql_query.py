"""The watermark query of a `kind: sql` connector, and its position as a JSON checkpoint.

The configured SELECT is wrapped as a subquery and read in pages in (watermark, tiebreaker) order:

    SELECT * FROM (<query>) AS wijkbrug_source
    WHERE wm IS NOT NULL AND tb IS NOT NULL
      AND ((wm > :wm) OR (wm = :wm AND tb > :tb))        -- only when resuming from a checkpoint
    ORDER BY wm, tb LIMIT :n

with bound parameters only. The pair (watermark, tiebreaker) must be unique per row; rows whose
watermark or tiebreaker is NULL are never read. The checkpoint keeps both values with their Python type
(`datetime` as ISO 8601), so that they are bound again exactly as the driver returned them: a datetime
for PostgreSQL, the stored text for SQLite (which has no date type).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import BindParameter, Select, and_, bindparam, column, literal_column, or_, select, text

SUBQUERY = "wijkbrug_source"
_SELECT = re.compile(r"^\s*(select|with)\b", re.IGNORECASE)

_DECODERS: dict[str, Any] = {
    "datetime": datetime.fromisoformat,
    "date": date.fromisoformat,
    "time": time.fromisoformat,
    "decimal": Decimal,
    "uuid": uuid.UUID,
    "int": int,
    "float": float,
    "str": str,
}


class UnsupportedValueError(ValueError):
    """A watermark or tiebreaker value of a type that cannot be kept in a checkpoint."""


def clean_query(query: str) -> str:
    """The query without trailing semicolons; ValueError if it does not start with SELECT or WITH."""
    cleaned = query.strip().rstrip(";").rstrip()
    if not _SELECT.match(cleaned):
        raise ValueError("the query must be one SELECT (or WITH ... SELECT) statement")
    return cleaned


def probe_statement(query: str) -> Select[Any]:
    """The query itself without rows: shows whether it runs, and its columns."""
    source = text(clean_query(query)).columns().subquery(SUBQUERY)
    return select(literal_column("*")).select_from(source).limit(0)


def page_statement(query: str, watermark: str, tiebreaker: str, *, resume: bool) -> Select[Any]:
    """The next page after (`:wm`, `:tb`) if `resume`, else the first; `:n` rows at most."""
    source = text(clean_query(query)).columns(column(watermark), column(tiebreaker)).subquery(SUBQUERY)
    wm, tb = source.c[watermark], source.c[tiebreaker]
    statement: Select[Any] = (
        select(literal_column("*")).select_from(source).where(wm.is_not(None), tb.is_not(None))
    )
    if resume:
        after: BindParameter[Any] = bindparam("wm")
        statement = statement.where(or_(wm > after, and_(wm == after, tb > bindparam("tb"))))
    return statement.order_by(wm, tb).limit(bindparam("n"))


def encode(value: Any) -> tuple[Any, str]:
    """A watermark or tiebreaker value as (JSON value, type name)."""
    if isinstance(value, bool):
        raise UnsupportedValueError("a boolean cannot order rows")
    if isinstance(value, datetime):
        return value.isoformat(), "datetime"
    if isinstance(value, date):
        return value.isoformat(), "date"
    if isinstance(value, time):
        return value.isoformat(), "time"
    if isinstance(value, Decimal):
        return str(value), "decimal"
    if isinstance(value, uuid.UUID):
        return str(value), "uuid"
    if isinstance(value, int):
        return value, "int"
    if isinstance(value, float):
        return value, "float"
    if isinstance(value, str):
        return value, "str"
    raise UnsupportedValueError(f"a value of type {type(value).__name__} cannot be kept in a checkpoint")


def decode(value: Any, type_name: str) -> Any:
    """The Python value that `encode` turned into (value, type_name)."""
    decoder = _DECODERS.get(type_name)
    if decoder is None:
        raise UnsupportedValueError(f"unknown value type {type_name!r} in the checkpoint")
    return decoder(value)


def checkpoint_of(watermark: Any, tiebreaker: Any) -> dict[str, Any]:
    """The checkpoint after the row with these values."""
    wm, wm_type = encode(watermark)
    tb, tb_type = encode(tiebreaker)
    return {"watermark": wm, "watermark_type": wm_type, "tiebreaker": tb, "tiebreaker_type": tb_type}


def parameters_of(checkpoint: Mapping[str, Any]) -> dict[str, Any]:
    """The bound parameters `wm` and `tb` of a checkpoint."""
    return {
        "wm": decode(checkpoint["watermark"], str(checkpoint["watermark_type"])),
        "tb": decode(checkpoint["tiebreaker"], str(checkpoint["tiebreaker_type"])),
    }
