"""Fixtures for the geography tests: the shared Amsterdam reference files and what they parse into."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from services.geo.cbs import KerncijfersRow, read_buurten_csv, read_kerncijfers_csv
from services.geo.model import Buurt

_REFERENCE_SUBDIR = Path("shared") / "data" / "amsterdam"


def _find_amsterdam_dir() -> Path:
    # The files live in ../shared/data/amsterdam next to the repository; walking up from this file
    # also works from a worktree nested one or more levels deeper.
    for ancestor in Path(__file__).resolve().parents:
        candidate = ancestor / _REFERENCE_SUBDIR
        if (candidate / "buurten.csv").is_file():
            return candidate
    pytest.fail(f"no {_REFERENCE_SUBDIR}/buurten.csv found above {Path(__file__).resolve().parent}")


@pytest.fixture(scope="session")
def amsterdam_dir() -> Path:
    return _find_amsterdam_dir()


@pytest.fixture(scope="session")
def buurten_csv(amsterdam_dir: Path) -> Path:
    return amsterdam_dir / "buurten.csv"


@pytest.fixture(scope="session")
def kerncijfers_csv(amsterdam_dir: Path) -> Path:
    return amsterdam_dir / "kerncijfers_2024.csv"


@pytest.fixture(scope="session")
def amsterdam_buurten(buurten_csv: Path) -> list[Buurt]:
    return read_buurten_csv(buurten_csv)


@pytest.fixture(scope="session")
def amsterdam_kerncijfers(kerncijfers_csv: Path) -> dict[str, KerncijfersRow]:
    return read_kerncijfers_csv(kerncijfers_csv)


@pytest.fixture(scope="session")
def raw_buurten_rows(buurten_csv: Path) -> list[dict[str, str]]:
    """The buurten file read with nothing but the csv module, for independent comparisons."""
    csv.field_size_limit(2**31 - 1)
    with buurten_csv.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="session")
def raw_kerncijfers_rows(kerncijfers_csv: Path) -> dict[str, dict[str, str]]:
    """The kerncijfers file read with nothing but the csv module, keyed by Area_Code."""
    with kerncijfers_csv.open(encoding="utf-8", newline="") as handle:
        return {row["Area_Code"]: row for row in csv.DictReader(handle, delimiter=";")}
