"""API tokens: 256 random bits with a readable prefix, stored only as a SHA-256 digest.

A token carries 256 bits of entropy, so a fast hash is safe (nobody can enumerate the space) and lets
the gateway find the token's owner with one indexed lookup per request. Passwords, which people choose,
are hashed with argon2 instead (see passwords.py).
"""

from __future__ import annotations

import hashlib
import secrets
from enum import StrEnum


class TokenKind(StrEnum):
    """Who a token belongs to; the prefix makes a leaked token recognisable in logs and scanners."""

    ORGANISATION = "wbo"
    USER = "wbu"


def new_token(kind: TokenKind) -> str:
    """A fresh random token of the given kind."""
    return f"{kind.value}_{secrets.token_urlsafe(32)}"


def hash_token(token: str) -> str:
    """The digest under which a token is stored and looked up."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()
