"""Pseudonymisation at the source: a keyed HMAC turns an identifying value into an `hh:`/`loc:` subject.

Every connector of a deployment uses the same key, so one household gets the same pseudonym at every
organisation; the raw value never leaves the connector. Values are normalised first (case, spaces), so
that "1012AB 1-h" and "1012ab 1-H" are one address.
"""

from __future__ import annotations

import hmac
import math
import os
import re
from typing import Literal

from connectors.errors import ConfigError

Kind = Literal["hh", "loc", "ini", "cx"]
DIGEST_CHARS = 32
MIN_KEY_BYTES = 16
_SPACES = re.compile(r"\s+")


class Pseudonymiser:
    """Keyed pseudonyms of identifying values."""

    def __init__(self, key: bytes) -> None:
        if len(key) < MIN_KEY_BYTES:
            raise ValueError(f"a pseudonymisation key needs at least {MIN_KEY_BYTES} bytes")
        self._key = key

    @classmethod
    def from_env(cls, variable: str, *, file: str = "connector") -> Pseudonymiser:
        """The pseudonymiser whose key is in the environment variable `variable`."""
        value = os.environ.get(variable)
        if not value:
            raise ConfigError(file, "pseudonymisation.key_env", f"environment variable {variable} is not set")
        if len(value.encode("utf-8")) < MIN_KEY_BYTES:
            raise ConfigError(
                file,
                "pseudonymisation.key_env",
                f"the key in {variable} is shorter than {MIN_KEY_BYTES} bytes",
            )
        return cls(value.encode("utf-8"))

    def pseudonym(self, kind: Kind, value: str) -> str:
        """`<kind>:<32 hex>` for `value` (normalised), never revealing it."""
        normal = _SPACES.sub(" ", value.strip()).casefold()
        if not normal:
            raise ValueError("an empty value has no pseudonym")
        digest = hmac.digest(self._key, f"{kind}\x00{normal}".encode(), "sha256").hex()
        return f"{kind}:{digest[:DIGEST_CHARS]}"

    def point(self, lat: float, lon: float, *, cell_m: float = 25.0) -> str:
        """The `loc:` pseudonym of a point, snapped to a grid of about `cell_m` metres."""
        lat_step = cell_m / 111_320.0
        lon_step = cell_m / (111_320.0 * max(math.cos(math.radians(lat)), 0.01))
        cell = f"{math.floor(lat / lat_step)}:{math.floor(lon / lon_step)}"
        return self.pseudonym("loc", f"grid{int(cell_m)}:{cell}")
