"""Errors raised by the geography module."""

from __future__ import annotations

from pathlib import Path

from services.errors import WijkbrugError


class GeoError(WijkbrugError):
    """Root of every error the geography module raises on purpose."""


class ReferenceDataError(GeoError):
    """A header or row of a reference data file is malformed."""

    def __init__(self, path: Path, line: int, column: str | None, problem: str) -> None:
        self.path = path
        self.line = line
        self.column = column
        self.problem = problem
        where = f"{path}, line {line}" + (f", column {column!r}" if column is not None else "")
        super().__init__(f"{where}: {problem}")

    def __reduce__(self) -> tuple[type[ReferenceDataError], tuple[Path, int, str | None, str]]:
        return (type(self), (self.path, self.line, self.column, self.problem))


class GeometryError(GeoError):
    """A geometry is empty, not polygonal or not transformable, even after repair."""


class FeatureError(GeoError):
    """A GeoJSON feature or feature collection does not describe buurten."""


class DuplicateBuurtError(GeoError):
    """Two buurten share a code where codes must be unique."""


class EmptyRegistryError(GeoError):
    """The registry holds no buurten, so the requested answer does not exist."""
