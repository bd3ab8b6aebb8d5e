"""A single problem found while validating a record."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Issue:
    """One validation problem: the dotted path of the field, a stable code and a readable message.

    Messages never contain the offending value, so an issue can be logged and returned to a caller safely.
    """

    field: str
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        """Return the issue as a JSON-able dict."""
        return {"field": self.field, "code": self.code, "message": self.message}
