"""The error answers in the OpenAPI document: every error body is a `Problem` (services/http/problems.py).

Routers list these, so that a partner's integration engineer reads in the OpenAPI what the API really
answers, with FastAPI's default 422 body (`{"detail": [...]}`, which wijkbrug never sends) replaced.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ProblemDetail(BaseModel):
    """One invalid field or event."""

    model_config = {"extra": "allow"}

    field: str | None = None
    message: str | None = None


class Problem(BaseModel):
    """Every error: a stable machine-readable code, a sentence for people, and what exactly was wrong."""

    model_config = {"extra": "allow"}

    error: str = Field(description="stable code, e.g. invalid_events, not_found, conflict, unavailable")
    message: str
    details: list[ProblemDetail] | None = Field(default=None, description="the invalid request fields")
    events: list[dict[str, Any]] | None = Field(default=None, description="per event: what was refused")


Responses = dict[int | str, dict[str, Any]]


def _problem(description: str) -> dict[str, Any]:
    return {"model": Problem, "description": description}


BAD_REQUEST: Responses = {400: _problem("The body or URL cannot be read (not JSON, a NUL character)")}
UNAUTHENTICATED: Responses = {401: _problem("No token, or one wijkbrug does not know")}
FORBIDDEN: Responses = {403: _problem("The token's role may not do this")}
NOT_FOUND: Responses = {404: _problem("No such thing that you may see")}
CONFLICT: Responses = {409: _problem("The thing changed since you read it, or its state does not allow this")}
INVALID: Responses = {422: _problem("The request is well-formed but not valid; `details` names the fields")}
UNAVAILABLE: Responses = {
    503: _problem("The broker or the database is away; retry after Retry-After seconds")
}

PAYLOAD_TOO_LARGE = _problem("The body or the batch is over the configured limits")
UNSUPPORTED_MEDIA_TYPE = _problem(
    "A content type other than CloudEvents JSON (structured or batch) or binary mode"
)

#: What every authenticated API route may answer besides its success.
API_ERRORS: Responses = {
    **BAD_REQUEST,
    **UNAUTHENTICATED,
    **FORBIDDEN,
    **INVALID,
    **UNAVAILABLE,
}
