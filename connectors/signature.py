"""Signing outbound webhook bodies, and verifying them at the receiving partner.

The header, sent with every delivery of the `webhook-out` connector:

    Wijkbrug-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, f"{t}.{body}")>

`secret` is the shared key of the receiving organisation (UTF-8), `body` the exact bytes of the request
body. A receiver verifies it like this (or calls `verify` from this module):

1. split the header on ",", take `t` and every `v1` (more than one may be sent while a key rotates);
2. compute HMAC-SHA256 over the bytes `t`, ".", body with its secret and compare it in constant time
   (`hmac.compare_digest`) with each `v1`;
3. reject the request when `t` is more than 5 minutes away from its own clock: a captured request cannot
   be replayed later. Every attempt is signed afresh, so a retry after an outage is still fresh.

Replays within the tolerance are answered by deduplicating on the `Idempotency-Key` header.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "Wijkbrug-Signature"
SCHEME = "v1"
DEFAULT_TOLERANCE_S = 300


def _digest(secret: str | bytes, body: bytes, timestamp: int) -> str:
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    message = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def sign(secret: str | bytes, body: bytes, timestamp: int) -> str:
    """The value of the `Wijkbrug-Signature` header for `body` sent at `timestamp` (unix seconds)."""
    return f"t={timestamp},{SCHEME}={_digest(secret, body, timestamp)}"


def verify(
    secret: str | bytes,
    body: bytes,
    header: str,
    now: float,
    tolerance_s: float = DEFAULT_TOLERANCE_S,
) -> bool:
    """Whether `header` is a valid signature of `body` with `secret`, made within `tolerance_s` of `now`."""
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        name, separator, value = part.strip().partition("=")
        if not separator:
            return False
        if name == "t":
            if timestamp is not None or not (value.isascii() and value.isdigit()):
                return False
            timestamp = int(value)
        elif name == SCHEME:
            candidates.append(value)
    if timestamp is None or not candidates or abs(now - timestamp) > tolerance_s:
        return False
    expected = _digest(secret, body, timestamp)
    return any(hmac.compare_digest(expected, candidate) for candidate in candidates)
