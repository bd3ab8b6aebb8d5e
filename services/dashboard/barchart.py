"""A small bar chart laid out for inline SVG: one bar per labelled value, scaled to the largest."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 600
HEIGHT = 180
#: Room above the bars for their values, and below for their labels.
TOP, BOTTOM = 20, 24
GAP = 0.25


@dataclass(frozen=True)
class Bar:
    """One bar: its box, its value (written above it) and its label (written below the baseline)."""

    x: float
    y: float
    width: float
    height: float
    value: int
    label: str

    @property
    def centre(self) -> float:
        """The horizontal middle, where the texts go."""
        return self.x + self.width / 2


@dataclass(frozen=True)
class BarChart:
    """The bars in a WIDTH x HEIGHT viewBox with their baseline."""

    width: int
    height: int
    baseline: float
    bars: tuple[Bar, ...]


def bar_chart(values: Sequence[tuple[str, int]]) -> BarChart:
    """Bars for (label, value) pairs, left to right; the highest value reaches the top area."""
    baseline = HEIGHT - BOTTOM
    room = baseline - TOP
    highest = max((value for _, value in values), default=0) or 1
    step = WIDTH / max(len(values), 1)
    bars = []
    for position, (label, value) in enumerate(values):
        height = round(room * value / highest, 1)
        bars.append(
            Bar(
                x=round(position * step + step * GAP / 2, 1),
                y=round(baseline - height, 1),
                width=round(step * (1 - GAP), 1),
                height=height,
                value=value,
                label=label,
            )
        )
    return BarChart(width=WIDTH, height=HEIGHT, baseline=baseline, bars=tuple(bars))
