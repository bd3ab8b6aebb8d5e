"""The file connector's column mapping and value readers, row by row."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.config import validate_config
from connectors.kinds.file import FileConfig
from connectors.kinds.file_mapping import BadRecord, BoundMapper, MissingColumns, RecordMapper
from connectors.kinds.file_values import BadValue, date_reader, number_reader, read_int, time_reader
from tests.support.file_exports import pseudonymiser

HEADER = ["id", "vbo", "soort", "detail", "datum", "bedrag", "maanden", "buurt"]


def mapper(header: list[str] | None = HEADER, **mapping: Any) -> BoundMapper:
    base: dict[str, Any] = {
        "type_from": {
            "columns": ["soort", "detail"],
            "map": {"SCH/BET": "housing.arrears.signalled", "OVE/*": "housing.nuisance.reported"},
        },
        "id": {"template": "vera-{id}"},
        "time": {"column": "datum", "format": "%d-%m-%Y %H:%M"},
        "subject": {"column": "vbo"},
        "buurt": {"column": "buurt"},
        "data": {
            "amount_eur": {"column": "bedrag", "type": "number", "decimal": ","},
            "months_in_arrears": {"column": "maanden", "type": "int"},
            "category": {"column": "detail"},
        },
    }
    base.update(mapping)
    document = {
        "name": "woco",
        "kind": "file",
        "org": "woco",
        "pseudonymisation": {"key_env": "K"},
        "directory": "/x",
        "format": "csv",
        "mapping": base,
    }
    config = validate_config(FileConfig, document, "woco.yaml")
    return RecordMapper(config, pseudonymiser(), "urn:nl:wijkbrug:org:woco").bind(header)


ROW = ["S1", "0363010000123456", "SCH", "BET", "01-07-2026 14:30", "1.234,50", "2", "bu0363ad05"]


def test_a_row_becomes_an_event() -> None:
    event = mapper().map(ROW)
    assert event == {
        "specversion": "1.0",
        "id": "vera-S1",
        "source": "urn:nl:wijkbrug:org:woco",
        "type": "nl.wijkbrug.housing.arrears.signalled",
        "time": "2026-07-01T12:30:00Z",  # summer time in Amsterdam
        "subject": pseudonymiser().pseudonym("hh", "0363010000123456"),
        "buurt": "BU0363AD05",
        "data": {"amount_eur": 1234.5, "months_in_arrears": 2},
    }


def test_a_wildcard_maps_every_detail_and_fields_follow_the_type() -> None:
    event = mapper().map(["S2", "0363010000123456", "ove", "bur", "01-01-2026 08:00", "", "", "BU0363AD05"])
    assert event["type"] == "nl.wijkbrug.housing.nuisance.reported"
    assert event["time"] == "2026-01-01T07:00:00Z"
    assert event["data"] == {"category": "bur"}


@pytest.mark.parametrize(
    ("index", "value", "reason", "field"),
    [
        (2, "AGR", "unmapped_code", "mapping.type_from"),
        (4, "2026-07-01", "invalid_time", "mapping.time"),
        (5, "veel", "invalid_number", "mapping.data.amount_eur"),
        (5, "", "missing_value", "mapping.data.amount_eur"),
        (6, "2.5", "invalid_number", "mapping.data.months_in_arrears"),
        (1, " ", "missing_value", "mapping.subject"),
        (0, "", "missing_value", "mapping.id"),
    ],
)
def test_bad_cells_reject_the_row_with_reason_and_field(
    index: int, value: str, reason: str, field: str
) -> None:
    row = list(ROW)
    row[index] = value
    with pytest.raises(BadRecord) as caught:
        mapper().map(row)
    assert (caught.value.reason, caught.value.field) == (reason, field)


def test_a_rejected_row_shows_pseudonyms_never_raw_identifiers() -> None:
    bound = mapper()
    record = bound.scrub(ROW)
    assert record["vbo"] == pseudonymiser().pseudonym("hh", "0363010000123456")
    assert "0363010000123456" not in repr(record)


def test_without_a_template_the_id_follows_the_content_not_the_position() -> None:
    bound = mapper(id=None)
    first, again = bound.map(ROW), bound.map(list(ROW))
    assert first["id"] == again["id"] and first["id"].startswith("file-")
    other = list(ROW)
    other[5] = "99,00"
    assert bound.map(other)["id"] != first["id"]


def test_a_header_without_a_mapped_column_is_refused() -> None:
    with pytest.raises(MissingColumns) as caught:
        mapper(header=[name for name in HEADER if name != "maanden"])
    assert caught.value.columns == ["maanden"]


def test_json_records_read_dotted_paths_and_numbers() -> None:
    bound = mapper(
        header=None,
        subject={"column": "adres.vbo"},
        time={"column": "datum"},
        data={
            "amount_eur": {"column": "bedrag", "type": "number"},
            "months_in_arrears": {"column": "n", "type": "int"},
        },
    )
    event = bound.map(
        {
            "id": 7,
            "adres": {"vbo": "0363010000123456"},
            "soort": "SCH",
            "detail": "BET",
            "datum": "2026-03-01T10:00:00+01:00",
            "bedrag": 12,
            "n": 1,
            "buurt": "BU0363AD05",
        }
    )
    assert (event["id"], event["time"], event["data"]) == (
        "vera-7",
        "2026-03-01T09:00:00Z",
        {"amount_eur": 12.0, "months_in_arrears": 1},
    )


def test_value_readers() -> None:
    assert read_int(" 3 ") == 3 and read_int(4) == 4
    with pytest.raises(BadValue):
        read_int(True)
    dutch = number_reader(",")
    assert dutch("1.234,56") == 1234.56 and dutch("7") == 7.0
    with pytest.raises(BadValue):
        dutch("1e9")
    with pytest.raises(BadValue):
        number_reader(".")("nan")
    assert date_reader("%d-%m-%Y")("24-03-2026") == "2026-03-24"
    assert date_reader(None)("2026-03-24") == "2026-03-24"
    with pytest.raises(BadValue):
        date_reader(None)("24-03-2026")
    amsterdam = time_reader("iso", "Europe/Amsterdam")
    assert amsterdam("2026-10-25T02:30:00") == "2026-10-25T00:30:00Z"  # the first 02:30 (summer time)
    assert amsterdam("2026-10-25T02:30:00Z") == "2026-10-25T02:30:00Z"
