"""The overview map's shading: open escalations per 1,000 residents per buurt, in classes with a legend."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from services.dashboard.numbers import getal, per_duizend
from services.geo.registry import BuurtRegistry
from services.geo.svgmap import BuurtMap

#: A sequential, colour-blind-safe palette (ColorBrewer YlOrBr), lightest for zero; the classes with
#: escalations take the darkest colours, so one class alone stands out.
PALETTE = ("#ffffd4", "#fed98e", "#fe9929", "#d95f0e", "#993404")
#: Classes of buurten that have escalations, at most; their limits are quartiles of the rates.
RATE_CLASSES = len(PALETTE) - 1
NO_POPULATION = "geen-inwoners"
OUT_OF_SCOPE = "buiten"


@dataclass(frozen=True)
class LegendItem:
    """One class of the map: its CSS class and its meaning in Dutch."""

    css: str
    label: str


@dataclass(frozen=True)
class MapArea:
    """One buurt on the map: its shape, its shading, and the text and link it carries."""

    code: str
    name: str
    path: str
    css: str
    title: str
    href: str | None


@dataclass(frozen=True)
class Choropleth:
    """The shaded map and its legend."""

    view_box: str
    areas: tuple[MapArea, ...]
    legend: tuple[LegendItem, ...]


def choropleth(
    buurt_map: BuurtMap,
    registry: BuurtRegistry,
    open_per_buurt: Mapping[str, int],
    in_scope: Callable[[str], bool],
    out_of_scope_label: str,
) -> Choropleth:
    """Shade each buurt of `buurt_map` by its open escalations per 1,000 residents; buurten outside the
    reader's scope show no figures and link nowhere."""
    rates = {
        shape.code: 1000 * open_per_buurt.get(shape.code, 0) / population
        for shape in buurt_map.shapes
        if in_scope(shape.code) and (population := _population(registry, shape.code))
    }
    limits = class_limits(list(rates.values()))
    colours = class_colours(len(limits) + 1)
    areas = []
    for shape in buurt_map.shapes:
        buurt = registry.get(shape.code)
        name = buurt.name if buurt else shape.code
        count = open_per_buurt.get(shape.code, 0)
        if not in_scope(shape.code):
            areas.append(MapArea(shape.code, name, shape.path, OUT_OF_SCOPE, f"{name}: geen cijfers", None))
            continue
        figures = f"{getal(count)} open escalatie{'' if count == 1 else 's'}"
        rate = rates.get(shape.code)
        if rate is None:
            css, detail = NO_POPULATION, "aantal inwoners onbekend"
        else:
            css = f"k{colours[class_index(rate, limits)]}" if rate > 0 else "k0"
            population = _population(registry, shape.code)
            detail = f"{getal(population)} inwoners, {per_duizend(rate)} per 1.000 inwoners"
        areas.append(
            MapArea(
                shape.code,
                name,
                shape.path,
                css,
                f"{name}: {figures}; {detail}",
                f"/escalaties?buurt={shape.code}",
            )
        )
    legend = [LegendItem("k0", "geen open escalaties")]
    legend += [
        LegendItem(f"k{colour}", label)
        for colour, label in zip(colours[1:], class_labels(limits), strict=True)
    ]
    if any(area.css == NO_POPULATION for area in areas):
        legend.append(LegendItem(NO_POPULATION, "aantal inwoners onbekend"))
    if any(area.css == OUT_OF_SCOPE for area in areas):
        legend.append(LegendItem(OUT_OF_SCOPE, out_of_scope_label))
    return Choropleth(view_box=buurt_map.view_box, areas=tuple(areas), legend=tuple(legend))


def class_limits(rates: list[float]) -> tuple[float, ...]:
    """The upper limits of all but the highest class of positive rates: their quartiles, rounded up to
    two significant digits (so a quartile stays in its class), below the highest rate and without
    repeats (fewer classes for few distinct values)."""
    positive = sorted(rate for rate in rates if rate > 0)
    if not positive:
        return ()
    quartiles = (
        positive[min(len(positive) - 1, len(positive) * step // RATE_CLASSES)] for step in range(1, 4)
    )
    return tuple(sorted({limit for value in quartiles if (limit := round_up(value)) < positive[-1]}))


def round_up(value: float) -> float:
    """`value` (positive) rounded up to two significant digits, e.g. 0.8439 -> 0.85, 2.424 -> 2.5."""
    step = 10.0 ** (math.floor(math.log10(value)) - 1)
    return round(math.ceil(round(value / step, 9)) * step, 12)


def class_index(rate: float, limits: tuple[float, ...]) -> int:
    """The positive class (1-based) of `rate`: class i holds rates above limit i-1 up to limit i."""
    return 1 + sum(1 for limit in limits if rate > limit)


def class_colours(positive_classes: int) -> tuple[int, ...]:
    """Palette index per class: 0 for zero, then the darkest `positive_classes` colours in order."""
    positive = max(0, min(positive_classes, RATE_CLASSES))
    return (0, *range(len(PALETTE) - positive, len(PALETTE)))


def class_labels(limits: tuple[float, ...]) -> list[str]:
    """The legend texts of the positive classes (rates per 1,000 residents)."""
    if not limits:
        return ["meer dan 0 per 1.000 inwoners"]
    labels = [f"meer dan 0 t/m {per_duizend(limits[0])}"]
    labels += [
        f"meer dan {per_duizend(low)} t/m {per_duizend(high)}" for low, high in itertools.pairwise(limits)
    ]
    labels.append(f"meer dan {per_duizend(limits[-1])}")
    return [f"{label} per 1.000 inwoners" for label in labels]


def _population(registry: BuurtRegistry, code: str) -> int:
    buurt = registry.get(code)
    return (buurt.population or 0) if buurt else 0
