"""The exception root of the services package and its domain errors."""

from __future__ import annotations


class WijkbrugError(Exception):
    """Root of every error the wijkbrug services raise on purpose."""
