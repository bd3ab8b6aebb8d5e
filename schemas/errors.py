"""Exceptions raised by the schemas package; all derive from SchemaError."""

from __future__ import annotations

from collections.abc import Sequence

from schemas.issues import Issue


class SchemaError(Exception):
    """Root of every error raised by the schemas package."""


class InvalidIdentifierError(SchemaError):
    """An identifier (organisation slug, source, subject pseudonym) is malformed."""


class UnknownEventTypeError(SchemaError):
    """An event type name is not part of the catalogue."""


class EventValidationError(SchemaError):
    """An event does not satisfy the v1 event contract; ``issues`` lists every problem found."""

    def __init__(self, issues: Sequence[Issue]) -> None:
        self.issues: list[Issue] = list(issues)
        summary = "; ".join(f"{issue.field or '<event>'}: {issue.code}" for issue in self.issues)
        super().__init__(f"event failed validation with {len(self.issues)} issue(s): {summary}")

    @property
    def codes(self) -> list[str]:
        """The issue codes, in the order they were found."""
        return [issue.code for issue in self.issues]
