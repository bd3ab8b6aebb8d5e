"""Errors of silences, in the services' categories (mapped to HTTP in one place)."""

from __future__ import annotations

from services.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError


class SilenceNotFoundError(NotFoundError):
    """No silence with this id."""

    code = "silence_not_found"


class InvalidSilenceError(InvalidInputError):
    """A silence that names an unknown rule, subject or buurt, or has no valid reason or end."""

    code = "invalid_silence"


class SilenceEndedError(ConflictError):
    """A silence that has ended already (expired early or ran out) cannot be ended again."""

    code = "silence_ended"


class SilenceForbiddenError(PermissionDeniedError):
    """A role that may not see or change silences."""

    code = "silence_forbidden"
