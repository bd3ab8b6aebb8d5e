"""Errors of the rule engine."""

from __future__ import annotations

from pathlib import Path

from services.errors import InvalidInputError


class RuleError(InvalidInputError):
    """Root of the rule engine's errors."""


class RuleFileError(RuleError):
    """A rule file that cannot be used; the message names the file, the rule and the field."""

    def __init__(self, path: Path | str, message: str, *, rule: str | None = None, field: str | None = None):
        self.path = str(path)
        self.rule = rule
        self.field = field
        where = self.path
        if rule:
            where += f": rule {rule!r}"
        if field:
            where += f": field {field!r}"
        super().__init__(f"{where}: {message}")


class RulePackError(RuleError):
    """A set of rules that conflict with each other (e.g. two rules with one id)."""
