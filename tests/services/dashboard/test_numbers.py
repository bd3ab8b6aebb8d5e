"""Dutch number formatting."""

from __future__ import annotations

import pytest

from services.dashboard.numbers import decimaal, getal, per_duizend, procent


@pytest.mark.parametrize(
    ("value", "text"), [(0, "0"), (999, "999"), (12345, "12.345"), (1234567, "1.234.567")]
)
def test_getal(value: int, text: str) -> None:
    assert getal(value) == text


@pytest.mark.parametrize(
    ("value", "decimals", "text"),
    [(1234.5, 1, "1.234,5"), (0.125, 2, "0,12"), (3.0, 1, "3,0"), (2.5, 0, "2")],
)
def test_decimaal(value: float, decimals: int, text: str) -> None:
    assert decimaal(value, decimals) == text


@pytest.mark.parametrize(("rate", "text"), [(0.0, "0,00"), (0.4167, "0,42"), (1.0, "1,0"), (12.345, "12,3")])
def test_per_duizend(rate: float, text: str) -> None:
    assert per_duizend(rate) == text


@pytest.mark.parametrize(
    ("part", "whole", "text"), [(1, 3, "33%"), (2, 3, "67%"), (0, 0, "0%"), (5, 5, "100%")]
)
def test_procent(part: int, whole: int, text: str) -> None:
    assert procent(part, whole) == text
