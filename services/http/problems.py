"""The one place where errors become HTTP responses: every domain error has its status; nothing is a 500.

Bodies are JSON: `{"error": <stable code>, "message": <readable text>, "events"|"details": [...]}`.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.errors import (
    BadRequestError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    UnauthenticatedError,
    UnavailableError,
    UnsupportedMediaTypeError,
    WijkbrugError,
)

log = logging.getLogger(__name__)

RETRY_AFTER_S = 5

#: Category -> (status, default code). Checked in order, so subclasses of a category inherit its status.
STATUS: tuple[tuple[type[WijkbrugError], int, str], ...] = (
    (BadRequestError, 400, "bad_request"),
    (UnauthenticatedError, 401, "unauthenticated"),
    (PermissionDeniedError, 403, "forbidden"),
    (NotFoundError, 404, "not_found"),
    (ConflictError, 409, "conflict"),
    (PayloadTooLargeError, 413, "payload_too_large"),
    (UnsupportedMediaTypeError, 415, "unsupported_media_type"),
    (InvalidInputError, 422, "invalid"),
    (UnavailableError, 503, "unavailable"),
)


def status_of(error: WijkbrugError) -> tuple[int, str]:
    """The HTTP status and error code of a domain error."""
    for category, status, code in STATUS:
        if isinstance(error, category):
            return status, error.code if error.code != WijkbrugError.code else code
    return 500, "internal_error"


def problem(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    """A JSON error response."""
    headers: dict[str, str] = {}
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    if status == 503:
        headers["Retry-After"] = str(RETRY_AFTER_S)
    body = {"error": code, "message": message, **{key: value for key, value in extra.items() if value}}
    return JSONResponse(body, status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Map domain errors, FastAPI's own validation errors and anything unexpected to JSON responses."""

    @app.exception_handler(WijkbrugError)
    async def _domain(request: Request, error: WijkbrugError) -> Response:
        status, code = status_of(error)
        if status >= 500 and status != 503:
            log.error("unmapped domain error on %s %s: %s", request.method, request.url.path, error)
        if _is_page(request):
            return _page_error(request, status, error.message)
        return problem(status, code, error.message, events=error.details)

    @app.exception_handler(RequestValidationError)
    async def _request_validation(request: Request, error: RequestValidationError) -> Response:
        if _is_page(request):
            return _page_error(request, 422, PAGE_MESSAGES[422])
        details = [
            {"field": ".".join(str(part) for part in item.get("loc", ())), "message": item.get("msg", "")}
            for item in error.errors()
        ]
        return problem(422, "invalid_request", "the request's parameters are not valid", details=details)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> Response:
        code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "http_error")
        if _is_page(request):
            return _page_error(
                request, error.status_code, PAGE_MESSAGES.get(error.status_code, str(error.detail))
            )
        return problem(error.status_code, code, str(error.detail))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        if _is_page(request):
            return _page_error(request, 500, PAGE_MESSAGES[500])
        return problem(500, "internal_error", "an unexpected error occurred; it has been logged")


PAGE_HEADINGS = {
    401: "Inloggen nodig",
    403: "Geen toegang",
    404: "Niet gevonden",
    409: "Iemand was u voor",
    422: "Controleer de invoer",
    503: "Even niet beschikbaar",
}
PAGE_MESSAGES = {
    422: "Het formulier is niet volledig of niet goed ingevuld. Ga terug en probeer het opnieuw.",
    404: "Deze pagina bestaat niet, of u mag hem niet zien.",
    405: "Deze handeling kan hier niet.",
    500: "Er ging iets mis aan onze kant. De fout is vastgelegd.",
}
API_PREFIXES = ("/api/", "/healthz", "/static/", "/openapi.json", "/docs", "/redoc")


def _is_page(request: Request) -> bool:
    return not request.url.path.startswith(API_PREFIXES)


def _page_error(request: Request, status: int, message: str) -> Response:
    if status == 401:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
    templates = request.app.state.templates
    heading = PAGE_HEADINGS.get(status, "Er ging iets mis")
    context = {"heading": heading, "message": message, "user": None, "csrf_token": ""}
    response: Response = templates.TemplateResponse(request, "error.html", context, status_code=status)
    if status == 503:
        response.headers["Retry-After"] = str(RETRY_AFTER_S)
    return response
