"""CSV rows that know their file and line, and parse their cells into typed values."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

from services.geo.errors import ReferenceDataError

# Reference files carry whole polygons in one cell; the csv module refuses cells over 128 KiB by default.
FIELD_SIZE_LIMIT = 64 * 1024 * 1024

# One optional decimal separator, comma or dot; thousands separators are not supported.
_DECIMAL = re.compile(r"-?[0-9]+(?:[.,][0-9]+)?")


def parse_decimal(text: str) -> float | None:
    """Parse a number written with a decimal comma or a decimal dot; an empty cell is None."""
    stripped = text.strip()
    if not stripped:
        return None
    if _DECIMAL.fullmatch(stripped) is None:
        raise ValueError(f"expected a number with a decimal comma or dot, got {text!r}")
    return float(stripped.replace(",", "."))


@dataclass(frozen=True)
class CsvRow:
    """One data row of a CSV file, with the line it starts on and its cells by column name."""

    path: Path
    line: int
    cells: Mapping[str, str]

    def error(self, column: str | None, problem: str) -> ReferenceDataError:
        """An error that points at this row and ``column``."""
        return ReferenceDataError(self.path, self.line, column, problem)

    def text(self, column: str, *, required: bool = True) -> str:
        """The stripped cell text; an empty cell is an error when ``required``."""
        value = self.cells[column].strip()
        if required and not value:
            raise self.error(column, "the cell is empty")
        return value

    def decimal(self, column: str) -> float | None:
        """The cell as a number (decimal comma or dot), None when empty."""
        try:
            return parse_decimal(self.cells[column])
        except ValueError as exc:
            raise self.error(column, str(exc)) from None

    def required_decimal(self, column: str) -> float:
        """The cell as a number; an empty cell is an error."""
        value = self.decimal(column)
        if value is None:
            raise self.error(column, "the cell is empty")
        return value

    def count(self, column: str) -> int | None:
        """The cell as a whole non-negative number (``12`` or ``12.0``), None when empty."""
        value = self.decimal(column)
        if value is None:
            return None
        if value < 0 or not value.is_integer():
            raise self.error(column, f"expected a whole non-negative number, got {self.cells[column]!r}")
        return int(value)


def read_csv_rows(path: Path, *, delimiter: str, columns: Collection[str]) -> list[CsvRow]:
    """Read a UTF-8 CSV file with a header that must contain ``columns``; blank lines are skipped.

    Raises ReferenceDataError naming the file and line for undecodable text, a missing column or a
    row with the wrong number of cells. Raises the csv module's field size limit as a side effect.
    """
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ReferenceDataError(path, line, None, "the file is not valid UTF-8") from None
    csv.field_size_limit(max(csv.field_size_limit(), FIELD_SIZE_LIMIT))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = [name.strip() for name in next(reader, [])]
        if not header:
            raise ReferenceDataError(path, 1, None, "the file has no header")
        for column in columns:
            if header.count(column) != 1:
                problem = "the column is missing" if column not in header else "the column appears twice"
                raise ReferenceDataError(path, 1, column, problem)
        rows = []
        end_of_previous = reader.line_num
        for cells in reader:
            line, end_of_previous = end_of_previous + 1, reader.line_num
            if not cells:
                continue
            if len(cells) != len(header):
                problem = f"expected {len(header)} cells, found {len(cells)}"
                raise ReferenceDataError(path, line, None, problem)
            rows.append(CsvRow(path, line, dict(zip(header, cells, strict=True))))
    except csv.Error as exc:
        raise ReferenceDataError(path, reader.line_num, None, f"malformed CSV: {exc}") from None
    return rows
