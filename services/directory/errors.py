"""Errors of the directory."""

from __future__ import annotations

from services.errors import ConflictError, InvalidInputError, NotFoundError


class OrganisationExistsError(ConflictError):
    """An organisation with this slug exists already."""


class UnknownOrganisationError(NotFoundError):
    """No organisation has this slug."""


class UserExistsError(ConflictError):
    """A user with this name exists already."""


class UnknownUserError(NotFoundError):
    """No user has this name."""


class InvalidDirectoryEntryError(InvalidInputError):
    """A slug, name, role or binding that the directory does not accept."""
