"""Refusing the NUL character: PostgreSQL cannot store it in text, so it must not get that far.

A URL (path or query) with a NUL is answered 400 here, before any route; bodies are checked where they
are parsed (`InputModel` for JSON, `FormText` for forms; CloudEvents ids and subjects have patterns).
"""

from __future__ import annotations

from urllib.parse import unquote, unquote_plus

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

NUL = "\x00"
MESSAGE = "the request's URL contains a NUL character"


def has_nul(value: str) -> bool:
    """Whether a text holds the NUL character."""
    return NUL in value


def refuse_nul(value: str) -> str:
    """A pydantic validator: the text unchanged, or a ValueError if it holds a NUL character."""
    if has_nul(value):
        raise ValueError("must not contain the NUL character")
    return value


class NulGuard:
    """ASGI middleware: 400 for a path or query string that holds a NUL character (escaped or not)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = unquote(scope.get("raw_path", b"").decode("latin-1")) + scope.get("path", "")
            query = unquote_plus(scope.get("query_string", b"").decode("latin-1"))
            if has_nul(path) or has_nul(query):
                response = JSONResponse({"error": "bad_request", "message": MESSAGE}, status_code=400)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
