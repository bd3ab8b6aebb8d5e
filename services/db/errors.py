"""Database failures as domain errors: an unreachable database is a 503, not a 500."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from sqlalchemy.exc import DBAPIError, OperationalError

from services.errors import UnavailableError

P = ParamSpec("P")
T = TypeVar("T")


class DatabaseUnavailableError(UnavailableError):
    """The database cannot be reached or is locked for too long."""

    code = "database_unavailable"


async def in_thread(function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run a blocking database call in a worker thread; connection failures become a 503."""
    try:
        return await asyncio.to_thread(function, *args, **kwargs)
    except OperationalError as exc:
        raise DatabaseUnavailableError("the database is not available right now; retry later") from exc
    except DBAPIError as exc:
        if exc.connection_invalidated:
            raise DatabaseUnavailableError("the database connection was lost; retry later") from exc
        raise
