from __future__ import annotations

from pathlib import Path

import pytest

from services.geo.csvrows import CsvRow, parse_decimal, read_csv_rows
from services.geo.errors import ReferenceDataError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,8", 1.8),
        ("498.0", 498.0),
        ("12", 12.0),
        ("-3,5", -3.5),
        (" 7,25 ", 7.25),
        ("0", 0.0),
        ("", None),
        ("   ", None),
    ],
)
def test_parse_decimal_accepts_comma_and_dot(text: str, expected: float | None) -> None:
    assert parse_decimal(text) == expected


@pytest.mark.parametrize("text", ["1.234,5", "1,2,3", "abc", "1e3", ",5", "5,", ".", "+1", "12 3", "nan"])
def test_parse_decimal_rejects_other_text(text: str) -> None:
    with pytest.raises(ValueError, match="decimal comma or dot"):
        parse_decimal(text)


def _write(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "data.csv"
    path.write_bytes(text.encode(encoding))
    return path


def test_rows_carry_the_line_they_start_on(tmp_path: Path) -> None:
    path = _write(tmp_path, 'a;b\n1;"two\nlines"\n\n3;4\r\n5;6\n')
    rows = read_csv_rows(path, delimiter=";", columns=("a", "b"))
    assert [(row.line, row.cells["a"], row.cells["b"]) for row in rows] == [
        (2, "1", "two\nlines"),
        (5, "3", "4"),
        (6, "5", "6"),
    ]


def test_a_byte_order_mark_does_not_hide_the_first_column(tmp_path: Path) -> None:
    path = _write(tmp_path, "a,b\n1,2\n", encoding="utf-8-sig")
    assert [row.cells["a"] for row in read_csv_rows(path, delimiter=",", columns=("a",))] == ["1"]


@pytest.mark.parametrize(
    ("text", "line", "column", "problem"),
    [
        ("a;c\n1;2\n", 1, "b", "missing"),
        ("a;b;b\n1;2;3\n", 1, "b", "twice"),
        ("", 1, None, "no header"),
        ("a;b\n1;2\n3\n", 3, None, "expected 2 cells, found 1"),
        ("a;b\n1;2\n3;4;5\n", 3, None, "expected 2 cells, found 3"),
        ('a;b\n1;2\n3;"4"x"\n', 3, None, "malformed CSV"),
    ],
)
def test_malformed_files_name_the_line(
    tmp_path: Path, text: str, line: int, column: str | None, problem: str
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ReferenceDataError, match=problem) as caught:
        read_csv_rows(path, delimiter=";", columns=("a", "b"))
    assert (caught.value.path, caught.value.line, caught.value.column) == (path, line, column)


def test_undecodable_bytes_name_their_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("a;b\n1;2\nChassé;3\n".encode("latin-1"))
    with pytest.raises(ReferenceDataError, match="not valid UTF-8") as caught:
        read_csv_rows(path, delimiter=";", columns=("a",))
    assert caught.value.line == 3


def _row(**cells: str) -> CsvRow:
    return CsvRow(Path("k.csv"), 9, cells)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("12", 12), ("12.0", 12), ("12,0", 12), ("0", 0), ("", None)],
)
def test_count_accepts_whole_numbers(cell: str, expected: int | None) -> None:
    assert _row(n=cell).count("n") == expected


@pytest.mark.parametrize("cell", ["1,5", "-1", "x"])
def test_count_rejects_fractions_negatives_and_text(cell: str) -> None:
    with pytest.raises(ReferenceDataError) as caught:
        _row(n=cell).count("n")
    assert (caught.value.line, caught.value.column) == (9, "n")


def test_text_and_required_decimal_reject_empty_cells() -> None:
    row = _row(name="  ", lat="")
    assert row.text("name", required=False) == ""
    for read in (lambda: row.text("name"), lambda: row.required_decimal("lat")):
        with pytest.raises(ReferenceDataError, match="empty"):
            read()
