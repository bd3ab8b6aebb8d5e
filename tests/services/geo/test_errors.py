from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from services.errors import WijkbrugError
from services.geo.errors import (
    DuplicateBuurtError,
    EmptyRegistryError,
    FeatureError,
    GeoError,
    GeometryError,
    ReferenceDataError,
)


@pytest.mark.parametrize(
    "error_type",
    [ReferenceDataError, GeometryError, FeatureError, DuplicateBuurtError, EmptyRegistryError],
)
def test_every_geo_error_is_a_wijkbrug_error(error_type: type[GeoError]) -> None:
    assert issubclass(error_type, GeoError)
    assert issubclass(error_type, WijkbrugError)
    assert error_type.__doc__ and "\n" not in error_type.__doc__.strip()


@pytest.mark.parametrize(
    ("column", "expected"),
    [
        ("latitude", "buurten.csv, line 7, column 'latitude': not a number"),
        (None, "buurten.csv, line 7: not a number"),
    ],
)
def test_reference_data_error_names_file_line_and_column(column: str | None, expected: str) -> None:
    error = ReferenceDataError(Path("data/buurten.csv"), 7, column, "not a number")
    assert str(error).endswith(expected)
    assert str(Path("data/buurten.csv")) in str(error)
    assert (error.line, error.column, error.problem) == (7, column, "not a number")


def test_reference_data_error_survives_pickling() -> None:
    error = ReferenceDataError(Path("x.csv"), 3, "geometrie", "bad WKT")
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own object
    assert isinstance(copy, ReferenceDataError)
    assert (copy.path, copy.line, copy.column, copy.problem, str(copy)) == (
        error.path,
        error.line,
        error.column,
        error.problem,
        str(error),
    )
