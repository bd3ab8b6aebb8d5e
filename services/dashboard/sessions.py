"""Web sessions (signed cookies) and CSRF tokens for every form."""

from __future__ import annotations

import secrets

from fastapi import Request

from services.errors import PermissionDeniedError

SESSION_USER = "user_id"
SESSION_CSRF = "csrf"


class CsrfError(PermissionDeniedError):
    """A form post without the session's CSRF token."""

    code = "csrf_failed"


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use."""
    token = request.session.get(SESSION_CSRF)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session[SESSION_CSRF] = token
    return token


def check_csrf(request: Request, submitted: str | None) -> None:
    """Refuse a form post whose token does not match the session's."""
    expected = request.session.get(SESSION_CSRF)
    if not isinstance(expected, str) or not submitted or not secrets.compare_digest(expected, submitted):
        # Only dashboard forms check this, and the dashboard shows the message on a Dutch page.
        raise CsrfError(
            "Het formulier mist zijn beveiligingscode of uw sessie is verlopen. "
            "Laad de pagina opnieuw en probeer het nog eens."
        )


def login(request: Request, user_id: int) -> None:
    """Start a fresh session for `user_id` (a new CSRF token too, against session fixation)."""
    request.session.clear()
    request.session[SESSION_USER] = user_id
    request.session[SESSION_CSRF] = secrets.token_urlsafe(32)


def logout(request: Request) -> None:
    """End the session."""
    request.session.clear()


def session_user_id(request: Request) -> int | None:
    """The logged-in user's id, or None."""
    value = request.session.get(SESSION_USER)
    return value if isinstance(value, int) else None
