"""FastAPI dependencies: the runtime and the principals behind bearer tokens."""

from __future__ import annotations

from fastapi import Request

from services.db.errors import in_thread
from services.directory.model import Organisation, User
from services.errors import UnauthenticatedError
from services.gateway.runtime import Runtime
from services.security.tokens import bearer_token


def get_runtime(request: Request) -> Runtime:
    """The runtime that the lifespan built."""
    runtime: Runtime = request.app.state.runtime
    return runtime


async def org_principal(request: Request) -> Organisation:
    """The organisation whose token the request carries; 401 otherwise."""
    token = bearer_token(request.headers.get("authorization"))
    if token is None:
        raise UnauthenticatedError("send the organisation's API token as 'Authorization: Bearer <token>'")
    org = await in_thread(get_runtime(request).directory.organisation_for_token, token)
    if org is None:
        raise UnauthenticatedError("the token is unknown or revoked")
    return org


async def api_user(request: Request) -> User:
    """The user whose API token the request carries; 401 otherwise."""
    token = bearer_token(request.headers.get("authorization"))
    if token is None:
        raise UnauthenticatedError("send your user API token as 'Authorization: Bearer <token>'")
    user = await in_thread(get_runtime(request).directory.user_for_token, token)
    if user is None:
        raise UnauthenticatedError("the token is unknown or revoked")
    return user
