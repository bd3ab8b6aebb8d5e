"""Reusable constrained field types for the wire models."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from pydantic import BeforeValidator, Field
from pydantic_core import PydanticCustomError

from schemas.identifiers import BUURTCODE_RE, ORG_SLUG_RE, SOURCE_RE, SUBJECT_RE, TYPE_PREFIX_RE

CODE_MAX_LENGTH = 200
TEXT_MAX_LENGTH = 2000

_ISO_DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _check_iso_date(value: Any) -> Any:
    """Accept ``date`` objects and ``YYYY-MM-DD`` strings only (no timestamps, no numbers)."""
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DATE_RE.fullmatch(value):
        return value
    raise PydanticCustomError("iso_date", "must be a date in the form YYYY-MM-DD")


IsoDate = Annotated[date, BeforeValidator(_check_iso_date)]
"""A calendar date written as ``YYYY-MM-DD``."""

Code = Annotated[str, Field(min_length=1, max_length=CODE_MAX_LENGTH)]
"""A short string: a code, category, identifier or label."""

Text = Annotated[str, Field(min_length=1, max_length=TEXT_MAX_LENGTH)]
"""A free text."""

Amount = Annotated[float, Field(ge=0, strict=True, allow_inf_nan=False)]
"""A non-negative amount (euros); integers are accepted."""

Count = Annotated[int, Field(ge=0, strict=True)]
"""A non-negative whole number."""

OrgSlug = Annotated[str, Field(pattern=ORG_SLUG_RE.pattern)]
"""An organisation slug."""

Source = Annotated[str, Field(pattern=SOURCE_RE.pattern)]
"""A CloudEvents source of an organisation: ``urn:nl:wijkbrug:org:<slug>``."""

Subject = Annotated[str, Field(pattern=SUBJECT_RE.pattern)]
"""A subject pseudonym."""

Buurtcode = Annotated[str, Field(pattern=BUURTCODE_RE.pattern)]
"""A CBS buurtcode."""

EventTypeName = Annotated[str, Field(pattern=TYPE_PREFIX_RE.pattern, max_length=CODE_MAX_LENGTH)]
"""A full event type name (``nl.wijkbrug.<domain>.<entity>.<action>``)."""
