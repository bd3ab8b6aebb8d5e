"""Reading an export file row by row from a given row on: CSV (with a header) or JSON Lines.

Row numbers: for CSV, row n is the n-th record after the header (1-based; a quoted field may span lines,
so this is not the line number; blank lines count as rows and are skipped). For JSON Lines, row n is
line n (1-based; blank lines count and are skipped). `position` is the number of rows consumed, which
is what a checkpoint stores: reopening the file and skipping that many rows resumes exactly there.
Undecodable bytes are read as U+FFFD (a row is then mapped or rejected on its merits; the file goes on).
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from connectors.kinds.file_config import CsvOptions


@dataclass(frozen=True)
class ReadRow:
    """One row: its number and its fields (a list for CSV, a dict for JSON Lines), or why it is unreadable."""

    number: int
    row: Any = None
    reason: str = ""
    message: str = ""
    record: Any = None


class HeaderProblem(Exception):
    """A CSV file without a readable header."""


class ExportReader:
    """An open export file; `read(limit)` returns the next rows."""

    def __init__(self, path: Path, fmt: str, options: CsvOptions) -> None:
        self.path = path
        self.position = 0
        self.header: list[str] | None = None
        self._rows: Iterator[ReadRow]
        self._handle: io.IOBase
        if fmt == "csv":
            handle = path.open("r", encoding=options.encoding, errors="replace", newline="")
            self._handle = handle
            reader = csv.reader(
                handle, delimiter=options.delimiter, quotechar=options.quotechar, strict=False
            )
            try:
                self.header = next(reader)
            except StopIteration:
                self.close()
                raise HeaderProblem("the file is empty: no header") from None
            except csv.Error as exc:
                self.close()
                raise HeaderProblem(f"the header is unreadable: {exc}") from None
            self._rows = self._csv_rows(reader, len(self.header))
        else:
            binary = path.open("rb")
            self._handle = binary
            self._rows = self._jsonl_rows(binary)

    def _csv_rows(self, reader: Any, width: int) -> Iterator[ReadRow]:
        number = 0
        while True:
            number += 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield ReadRow(number, reason="unreadable_row", message=f"the row is not valid CSV: {exc}")
                continue
            if not row:
                yield ReadRow(number)
            elif len(row) != width:
                yield ReadRow(
                    number,
                    reason="column_count",
                    message=f"the row has {len(row)} fields, the header {width}",
                    record={"fields": len(row), "expected": width},
                )
            else:
                yield ReadRow(number, row)

    def _jsonl_rows(self, handle: Any) -> Iterator[ReadRow]:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                yield ReadRow(number)
                continue
            try:
                record = orjson.loads(line)
            except orjson.JSONDecodeError:
                yield ReadRow(number, reason="invalid_json", message="the line is not valid JSON")
                continue
            if not isinstance(record, dict):
                yield ReadRow(number, reason="not_an_object", message="the line is not a JSON object")
            else:
                yield ReadRow(number, record)

    def skip(self, rows: int) -> None:
        """Pass over `rows` rows (to resume from a checkpoint)."""
        for _ in range(rows):
            if next(self._rows, None) is None:
                break
            self.position += 1

    def read(self, limit: int) -> tuple[list[ReadRow], bool]:
        """Up to `limit` rows (blank ones left out), and whether the file is at its end."""
        rows: list[ReadRow] = []
        consumed = 0
        for item in self._rows:
            consumed += 1
            if item.row is not None or item.reason:
                rows.append(item)
            if consumed >= limit:
                break
        self.position += consumed
        if consumed < limit:
            return rows, True
        following = next(self._rows, None)  # a file that ends exactly here is done in this batch
        if following is None:
            return rows, True
        self._rows = itertools.chain([following], self._rows)
        return rows, False

    def close(self) -> None:
        self._handle.close()
