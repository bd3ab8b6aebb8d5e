"""The knelpunten CSV as a file: BOM, `;`, CRLF, quoting, no formulas, an ASCII file name."""

from __future__ import annotations

from datetime import date

from services.dashboard.knelpunten_csv import HEADER, csv_filename, knelpunten_csv
from services.dashboard.knelpunten_report import KnelpuntenReport, Line, Month, RuleMonths

REPORT = KnelpuntenReport(
    first_day=date(2026, 10, 1),
    last_day=date(2026, 11, 30),
    total=3,
    open=1,
    rules=(Line("regel-a", "Huur; en zorg", 3, 1),),
    policies=(Line('=HYPERLINK("x")', '=HYPERLINK("x")', 2, 1, domain="wonen"),),
    domain_pairs=(),
    organisation_pairs=(Line("a+b", "Één en Twee", 1, 0),),
    wijken=(),
    buurten=(Line("BU0363AD05", "-1 buurt", 3, 1),),
    months=(
        Month("2026-10", "okt 2026", date(2026, 10, 1), date(2026, 10, 31)),
        Month("2026-11", "nov 2026", date(2026, 11, 1), date(2026, 11, 30)),
    ),
    per_month=(1, 2),
    rule_months=(RuleMonths("regel-a", "Huur; en zorg", (1, 2)),),
)


def test_the_file_is_utf8_with_a_bom_semicolons_and_crlf() -> None:
    lines = knelpunten_csv(REPORT).split(b"\r\n")

    assert lines[0] == b"\xef\xbb\xbf" + ";".join(HEADER).encode()
    assert lines[1] == b'regel;regel-a;"Huur; en zorg";;2026-10-01;2026-11-30;3;1'
    assert lines[3] == "organisaties;a+b;Één en Twee;;2026-10-01;2026-11-30;1;0".encode()
    assert lines[5:8] == [
        b"maand;2026-10;okt 2026;;2026-10-01;2026-10-31;1;",
        b"maand;2026-11;nov 2026;;2026-11-01;2026-11-30;2;",
        b'regel per maand;regel-a;"Huur; en zorg";;2026-10-01;2026-10-31;1;',
    ]
    assert lines[-1] == b"", "the last line ends in CRLF too"
    assert len(lines) == 1 + 4 + 2 + 2 + 1


def test_a_cell_that_a_spreadsheet_would_run_as_a_formula_stays_text() -> None:
    lines = knelpunten_csv(REPORT).decode("utf-8-sig").split("\r\n")

    assert lines[2] == 'beleid;"\'=HYPERLINK(""x"")";"\'=HYPERLINK(""x"")";wonen;2026-10-01;2026-11-30;2;1'
    assert lines[4].startswith("buurt;BU0363AD05;'-1 buurt;")


def test_the_file_name_carries_the_period_and_the_wijk() -> None:
    assert csv_filename(REPORT, None) == "knelpunten-2026-10-tm-2026-11.csv"
    assert csv_filename(REPORT, "WK0363AD") == "knelpunten-2026-10-tm-2026-11-WK0363AD.csv"
