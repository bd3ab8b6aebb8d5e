"""Errors of the escalation lifecycle, in the services' categories (mapped to HTTP in one place)."""

from __future__ import annotations

from services.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError


class EscalationNotFoundError(NotFoundError):
    """No escalation with this id that the user may see."""

    code = "escalation_not_found"


class TransitionError(ConflictError):
    """An action that the escalation's current status does not allow."""

    code = "transition_not_allowed"


class VersionConflictError(ConflictError):
    """The escalation changed since the user loaded it (optimistic locking): reload and decide again."""

    code = "version_conflict"


class ActionForbiddenError(PermissionDeniedError):
    """An action that the user's role (or organisation) may not take on this escalation."""

    code = "action_forbidden"


class InvalidCommandError(InvalidInputError):
    """A command that is incomplete or names what does not exist (an unknown assignee or organisation)."""

    code = "invalid_command"
