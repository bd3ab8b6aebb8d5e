"""The exception root of the services package and the categories that the HTTP layer maps to status codes."""

from __future__ import annotations

from typing import Any


class WijkbrugError(Exception):
    """Root of every error the wijkbrug services raise on purpose."""

    #: A stable, machine-readable code for API clients.
    code = "error"

    def __init__(self, message: str, *, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidInputError(WijkbrugError):
    """Input that is well-formed but not acceptable (maps to 400/422)."""


class NotFoundError(WijkbrugError):
    """A named thing that does not exist (maps to 404)."""


class ConflictError(WijkbrugError):
    """A change that collides with the current state (maps to 409)."""


class UnauthenticatedError(WijkbrugError):
    """Missing or unknown credentials (maps to 401)."""


class PermissionDeniedError(WijkbrugError):
    """Known credentials that may not do this (maps to 403)."""


class UnavailableError(WijkbrugError):
    """A dependency (broker, database) that is down for now; retry later (maps to 503)."""


class BadRequestError(WijkbrugError):
    """A request that cannot be parsed at all (maps to 400)."""


class PayloadTooLargeError(WijkbrugError):
    """A request body or batch over the configured limits (maps to 413)."""


class UnsupportedMediaTypeError(WijkbrugError):
    """A request body in a content type that the endpoint does not take (maps to 415)."""
