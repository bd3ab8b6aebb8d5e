"""Path and query parameters with the bounds the database can store, so bad input is a 422, never a 500.

Ids are PostgreSQL `integer`s (and SQLite's are 64-bit): a larger number in a URL cannot name anything and
would only make the driver fail. Offsets get the same bound.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Path, Query
from pydantic import AfterValidator

from services.http.nul_guard import refuse_nul

MAX_ID = 2_147_483_647  # PostgreSQL integer

RecordId = Annotated[int, Path(ge=1, le=MAX_ID, description="The record's id.")]
Offset = Annotated[int, Query(ge=0, le=MAX_ID, description="How many items to skip.")]
#: Text without the NUL character (which PostgreSQL cannot store): a 422 like any other invalid field.
NulFree = Annotated[str, AfterValidator(refuse_nul)]
#: A form field's text.
FormText = Annotated[NulFree, Form()]
