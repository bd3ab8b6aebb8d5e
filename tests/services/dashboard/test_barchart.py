"""The trend's bar chart: bars side by side, scaled to the largest value, zero bars flat."""

from __future__ import annotations

from services.dashboard.barchart import BOTTOM, HEIGHT, TOP, WIDTH, bar_chart


def test_bars_are_scaled_to_the_largest_value() -> None:
    chart = bar_chart([("wk 1", 2), ("wk 2", 4), ("wk 3", 0), ("wk 4", 1)])

    assert chart.baseline == HEIGHT - BOTTOM
    heights = [bar.height for bar in chart.bars]
    assert heights == [(HEIGHT - BOTTOM - TOP) / 2, HEIGHT - BOTTOM - TOP, 0, (HEIGHT - BOTTOM - TOP) / 4]
    assert all(bar.y + bar.height == chart.baseline for bar in chart.bars)
    assert [bar.label for bar in chart.bars] == ["wk 1", "wk 2", "wk 3", "wk 4"]
    assert [bar.value for bar in chart.bars] == [2, 4, 0, 1]


def test_bars_stand_side_by_side_within_the_width() -> None:
    chart = bar_chart([(str(week), week) for week in range(12)])

    assert all(
        before.x + before.width < after.x for before, after in zip(chart.bars, chart.bars[1:], strict=False)
    )
    assert chart.bars[0].x > 0 and chart.bars[-1].x + chart.bars[-1].width < WIDTH
    assert chart.bars[0].centre == chart.bars[0].x + chart.bars[0].width / 2


def test_all_zero_gives_flat_bars() -> None:
    chart = bar_chart([("a", 0), ("b", 0)])

    assert [bar.height for bar in chart.bars] == [0, 0]
    assert bar_chart([]).bars == ()
