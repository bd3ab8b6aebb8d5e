"""Numbers as Dutch readers write them: a point between thousands, a comma before decimals."""

from __future__ import annotations


def getal(value: int) -> str:
    """A whole number, e.g. 12345 -> '12.345'."""
    return f"{value:,}".replace(",", ".")


def decimaal(value: float, decimals: int = 1) -> str:
    """A decimal number, e.g. 1234.5 -> '1.234,5'."""
    return f"{value:,.{decimals}f}".replace(",", "_").replace(".", ",").replace("_", ".")


def per_duizend(rate: float) -> str:
    """A rate per 1,000 residents: one decimal from 1 up, two below (0,42), so small rates stay visible."""
    return decimaal(rate, 1 if rate >= 1 else 2)


def procent(part: int, whole: int) -> str:
    """`part` as a whole percentage of `whole` ('0%' when `whole` is 0)."""
    return f"{round(100 * part / whole) if whole else 0}%"
