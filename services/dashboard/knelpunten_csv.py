"""The knelpunten report as CSV for spreadsheets as Dutch users have them: UTF-8 with a byte order mark (so
Excel reads the accents right), `;` between fields (Excel's list separator in the Dutch locale, where the
comma is the decimal sign), CRLF line ends, and one long table that a pivot table can take apart."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date

from services.dashboard.knelpunten_report import KnelpuntenReport, Line

HEADER = ("onderdeel", "sleutel", "naam", "domein", "van", "tot en met", "escalaties", "nog open")
#: A cell that starts with one of these is a formula to a spreadsheet; a leading quote keeps it text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def knelpunten_csv(report: KnelpuntenReport) -> bytes:
    """The CSV file's bytes (with the UTF-8 byte order mark)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows([_cell(value) for value in row] for row in csv_rows(report))
    return buffer.getvalue().encode("utf-8-sig")


def csv_rows(report: KnelpuntenReport) -> Iterator[tuple[str, ...]]:
    """The rows under the header: every table of the page, each row naming its table."""
    period = (report.first_day, report.last_day)
    sections = (
        ("regel", report.rules),
        ("beleid", report.policies),
        ("domeinen", report.domain_pairs),
        ("organisaties", report.organisation_pairs),
        ("wijk", report.wijken),
        ("buurt", report.buurten),
    )
    for section, lines in sections:
        for line in lines:
            yield _row(section, line, period)
    for month, count in zip(report.months, report.per_month, strict=True):
        yield ("maand", month.key, month.label, "", *_dates(month.first_day, month.last_day), str(count), "")
    for item in report.rule_months:
        for month, count in zip(report.months, item.counts, strict=True):
            yield (
                "regel per maand",
                item.rule,
                item.title,
                "",
                *_dates(month.first_day, month.last_day),
                str(count),
                "",
            )


def csv_filename(report: KnelpuntenReport, wijk: str | None) -> str:
    """E.g. ``knelpunten-2025-12-tm-2026-11-WK0363AD.csv`` (ASCII: period and wijk code only)."""
    where = f"-{wijk}" if wijk else ""
    return f"knelpunten-{report.first_day:%Y-%m}-tm-{report.last_day:%Y-%m}{where}.csv"


def _row(section: str, line: Line, period: tuple[date, date]) -> tuple[str, ...]:
    return (section, line.key, line.name, line.domain, *_dates(*period), str(line.total), str(line.open))


def _dates(first: date, last: date) -> tuple[str, str]:
    return first.isoformat(), last.isoformat()


def _cell(value: str) -> str:
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value
