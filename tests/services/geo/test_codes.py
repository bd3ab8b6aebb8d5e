from __future__ import annotations

import pytest

from services.geo.codes import is_buurtcode, wijk_code_of, wijk_suffix_of


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("BU0363AE01", True),
        ("BU03630000", True),
        ("BU1680ZZ99", True),
        ("bu0363AE01", False),
        ("BU0363ae01", False),
        ("BU0363AE0", False),
        ("BU0363AE011", False),
        ("WK0363AE", False),
        ("BU036AAE01", False),
        ("BU0363AE01\n", False),
        (" BU0363AE01", False),
        ("BU\u0660\u0663\u0666\u0663AE01", False),  # Arabic-Indic digits match \d but are not CBS digits
        ("", False),
    ],
)
def test_is_buurtcode(value: str, expected: bool) -> None:
    assert is_buurtcode(value) is expected


@pytest.mark.parametrize(
    ("buurtcode", "suffix", "wijk_code"),
    [
        ("BU0363AE01", "AE", "WK0363AE"),
        ("BU0363NA04", "NA", "WK0363NA"),
        ("BU03630000", "00", "WK036300"),
        ("BU1680ZZ99", "ZZ", "WK1680ZZ"),
    ],
)
def test_wijk_parts_of_buurtcode(buurtcode: str, suffix: str, wijk_code: str) -> None:
    assert wijk_suffix_of(buurtcode) == suffix
    assert wijk_code_of(buurtcode) == wijk_code
