"""Repairing names with U+FFFD from the kerncijfers spelling."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.geo.cbs import read_buurten_csv
from services.geo.names import read_area_names, repair, repair_names
from services.geo.shipped import load_shipped_buurten

AMSTERDAM = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "amsterdam"


@pytest.mark.parametrize(
    ("name", "candidate", "expected"),
    [
        ("Chass\ufffdbuurt", "Chassébuurt", "Chassébuurt"),
        ("Belgi\ufffdplein e.o.", "Belgiëplein e.o.", "Belgiëplein e.o."),
        ("Chass\ufffdbuurt", "Chassébuurtje", "Chass\ufffdbuurt"),  # not the same name: kept
        ("Chass\ufffdbuurt", "Chasse-buurt", "Chass\ufffdbuurt"),  # two letters for one: kept
        ("Chass\ufffdbuurt", None, "Chass\ufffdbuurt"),
        ("Kop Zeedijk", "Something else", "Kop Zeedijk"),  # an intact name is never replaced
        ("A.b\ufffd", "Axbé", "A.b\ufffd"),  # the rest is compared literally, not as a pattern
    ],
)
def test_repair(name: str, candidate: str | None, expected: str) -> None:
    assert repair(name, candidate) == expected


def test_the_shared_buurten_file_is_repaired_by_the_kerncijfers_names() -> None:
    raw = read_buurten_csv(AMSTERDAM / "buurten.csv")
    mangled = [b for b in raw if "\ufffd" in b.name or "\ufffd" in b.wijk_name]
    assert mangled, "the shared file no longer has mangled names; this test then checks nothing"

    repaired = repair_names(raw, read_area_names(AMSTERDAM / "kerncijfers_2024.csv"))

    assert not [b.code for b in repaired if "\ufffd" in b.name or "\ufffd" in b.wijk_name]
    by_code = {b.code: b for b in repaired}
    for before in mangled:
        after = by_code[before.code]
        assert len(after.name) == len(before.name) and len(after.wijk_name) == len(before.wijk_name)


def test_the_shipped_buurten_have_no_mangled_names() -> None:
    assert not [b.code for b in load_shipped_buurten() if "\ufffd" in b.name + b.wijk_name]
