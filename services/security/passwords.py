"""Web login passwords, hashed with argon2id (argon2-cffi's maintained defaults)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from services.errors import InvalidInputError

MIN_PASSWORD_LENGTH = 10


class PasswordPolicyError(InvalidInputError):
    """A password that is too weak to set."""


def hash_password(hasher: PasswordHasher, password: str) -> str:
    """The argon2id hash of `password`, after checking the minimal policy."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordPolicyError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    return hasher.hash(password)


def verify_password(hasher: PasswordHasher, password_hash: str | None, password: str) -> bool:
    """Whether `password` matches; a user without a password never matches."""
    if not password_hash:
        # Spend comparable time so that the response does not reveal which users have a password.
        hasher.hash(password)
        return False
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
