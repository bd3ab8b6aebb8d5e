"""Repairing names that an export mangled: U+FFFD where an accented letter was (Chass\ufffdbuurt).

CBS's kerncijfers file carries every area's name as well (column `District_Type`), spelled right; where a
name in the buurt file holds the replacement character, the kerncijfers name of the same code is used if
it matches letter for letter everywhere else.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path

from services.geo.csvrows import read_csv_rows
from services.geo.model import Buurt

REPLACEMENT = "\ufffd"


def read_area_names(path: Path) -> dict[str, str]:
    """Area code (GM, WK or BU) -> name, from a CBS kerncijfers file."""
    return {
        row.text("Area_Code"): row.text("District_Type")
        for row in read_csv_rows(path, delimiter=";", columns=("Area_Code", "District_Type"))
    }


def repair(name: str, candidate: str | None) -> str:
    """`candidate` if `name` is mangled and `candidate` equals it but for the mangled letters."""
    if REPLACEMENT not in name or candidate is None:
        return name
    pattern = ".".join(re.escape(part) for part in name.split(REPLACEMENT))
    return candidate if re.fullmatch(pattern, candidate) else name


def repair_names(buurten: Iterable[Buurt], names: Mapping[str, str]) -> list[Buurt]:
    """Copies of `buurten` with mangled buurt and wijk names repaired where the kerncijfers allow."""
    return [
        replace(
            buurt,
            name=repair(buurt.name, names.get(buurt.code)),
            wijk_name=repair(buurt.wijk_name, names.get(buurt.wijk_code)),
        )
        for buurt in buurten
    ]
