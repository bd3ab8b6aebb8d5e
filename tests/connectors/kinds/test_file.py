"""The file connector: samples to exact events, bad rows, done-once by content hash, resume, privacy."""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from connectors.errors import PermanentError
from connectors.kinds.file_tracking import DONE_DIR
from schemas.validation import validate_event
from tests.support.file_exports import (
    SAMPLES,
    connector,
    drop,
    poll_all,
    pseudonymiser,
    sample_config,
    settle,
    vera_export,
)

NOW = datetime(2026, 11, 1, tzinfo=UTC)
WOCO = "urn:nl:wijkbrug:org:woco"


def hh(value: str) -> str:
    return pseudonymiser().pseudonym("hh", value)


def event(
    id_: str, type_: str, time: str, subject: str, buurt: str | None, data: dict[str, Any]
) -> dict[str, Any]:
    document: dict[str, Any] = {
        "specversion": "1.0",
        "id": id_,
        "source": WOCO,
        "type": f"nl.wijkbrug.{type_}",
        "time": time,
        "subject": subject,
    }
    if buurt is not None:
        document["buurt"] = buurt
    document["data"] = data
    return document


def test_the_vera_sample_maps_to_exact_events_and_two_dead_letters(tmp_path: Path) -> None:
    drop(SAMPLES / "vera-signaleringen.csv", tmp_path)
    run = poll_all(connector(sample_config("vera-signaleringen", tmp_path)))

    devries, jansen = hh("0363010000123456"), hh("0363010000654321")
    assert [dict(emit.event) for emit in run.emits] == [
        event(
            "vera-SIG-2026-0001",
            "housing.arrears.signalled",
            "2026-02-02T23:00:00Z",
            devries,
            "BU0363AD05",
            {"amount_eur": 1250.5, "months_in_arrears": 3},
        ),
        event(
            "vera-SIG-2026-0002",
            "housing.nuisance.reported",
            "2026-02-04T23:00:00Z",
            jansen,
            "BU0363AE05",
            {"category": "geluid"},
        ),
        event(
            "vera-SIG-2026-0003",
            "housing.eviction.summoned",
            "2026-02-09T23:00:00Z",
            devries,
            "BU0363AD05",
            {"court_date": "2026-03-24"},
        ),
        event(
            "vera-SIG-2026-0004",
            "housing.eviction.scheduled",
            "2026-03-31T22:00:00Z",  # 1 April, local midnight in summer time (+02:00)
            devries,
            "BU0363AD05",
            {"eviction_date": "2026-04-15"},
        ),
        event(
            "vera-SIG-2026-0005",
            "housing.eviction.executed",
            "2026-04-14T22:00:00Z",
            devries,
            "BU0363AD05",
            {},
        ),
    ]
    assert [emit.position for emit in run.emits] == [f"vera-signaleringen.csv:row {n}" for n in range(1, 6)]
    assert [(r.reason, r.field, r.position) for r in run.rejects] == [
        ("unmapped_code", "mapping.type_from", "vera-signaleringen.csv:row 6"),
        ("invalid_time", "mapping.time", "vera-signaleringen.csv:row 7"),
    ]
    assert run.rejects[0].record["vbo_id"] == hh("0363010000777777")
    assert run.rejects[0].record["huurder_naam"] == hh("K. Bakker")
    for emit in run.emits:
        validate_event(dict(emit.event), now=NOW)


def test_the_police_sample_maps_points_to_loc_subjects(tmp_path: Path) -> None:
    drop(SAMPLES / "politie-incidenten.jsonl", tmp_path)
    run = poll_all(connector(sample_config("politie-incidenten", tmp_path)))

    dam = pseudonymiser().point(52.3731, 4.8926)
    assert [dict(emit.event) for emit in run.emits] == [
        {
            "specversion": "1.0",
            "id": "politie-PL1300-2026-004711",
            "source": "urn:nl:wijkbrug:org:politie",
            "type": "nl.wijkbrug.safety.incident.registered",
            "time": "2026-03-07T22:41:00Z",
            "subject": dam,
            "data": {"location": {"lat": 52.3731, "lon": 4.8926}, "category": "overlast-jeugd"},
        },
        {
            "specversion": "1.0",
            "id": "politie-PL1300-2026-004712",
            "source": "urn:nl:wijkbrug:org:politie",
            "type": "nl.wijkbrug.safety.incident.registered",
            "time": "2026-03-08T01:10:00Z",  # naive: Amsterdam winter time
            "subject": pseudonymiser().point(52.3702, 4.8952),
            "data": {"location": {"lat": 52.3702, "lon": 4.8952}, "category": "burenruzie"},
        },
    ]
    # Line 3 is blank; line numbers count it.
    assert [(r.reason, r.position) for r in run.rejects] == [
        ("unmapped_value", "politie-incidenten.jsonl:row 4"),
        ("invalid_json", "politie-incidenten.jsonl:row 5"),
        ("missing_value", "politie-incidenten.jsonl:row 6"),
    ]
    assert run.rejects[0].record["melder.naam"] == hh("S. Mulder")
    for emit in run.emits:
        validate_event(dict(emit.event), now=NOW)


def test_the_ijw_iwmo_sample_maps_305_and_307_without_the_bsn(tmp_path: Path) -> None:
    drop(SAMPLES / "ijw-iwmo-berichten.csv", tmp_path)
    run = poll_all(connector(sample_config("ijw-iwmo-berichten", tmp_path)))

    source = "urn:nl:wijkbrug:org:sociaal"
    started, ended = "nl.wijkbrug.social.care.started", "nl.wijkbrug.social.care.ended"
    assert [
        (e.event["id"], e.event["type"], e.event["time"], e.event["subject"], e.event["data"])
        for e in run.emits
    ] == [
        (
            "ijw-305-TW-000101",
            started,
            "2026-01-04T23:00:00Z",
            hh("0363010000123456"),
            {"kind": "jeugd", "product_code": "45A12"},
        ),
        (
            "ijw-305-TW-000102",
            started,
            "2026-01-11T23:00:00Z",
            hh("0363010000654321"),
            {"kind": "wmo", "product_code": "02A01"},
        ),
        (
            "ijw-307-TW-000101",
            ended,
            "2026-06-29T22:00:00Z",
            hh("0363010000123456"),
            {"kind": "jeugd", "reason": "doelen behaald"},
        ),
        ("ijw-307-TW-000103", ended, "2026-05-30T22:00:00Z", hh("0363010000777777"), {"kind": "wmo"}),
    ]
    assert {emit.event["source"] for emit in run.emits} == {source}
    assert [(r.reason, r.position) for r in run.rejects] == [
        ("unmapped_code", "ijw-iwmo-berichten.csv:row 5"),
        ("unmapped_value", "ijw-iwmo-berichten.csv:row 6"),
    ]
    assert run.rejects[0].record["bsn"] == pseudonymiser().pseudonym("hh", "441672115")
    for emit in run.emits:
        validate_event(dict(emit.event), now=NOW)


@pytest.mark.parametrize(
    ("stem", "export", "secret_columns"),
    [
        ("vera-signaleringen", "vera-signaleringen.csv", ["vbo_id", "huurder_naam"]),
        ("ijw-iwmo-berichten", "ijw-iwmo-berichten.csv", ["bsn", "adres_vbo_id"]),
    ],
)
def test_no_raw_value_of_a_pseudonymised_column_leaves_the_connector(
    tmp_path: Path, stem: str, export: str, secret_columns: list[str]
) -> None:
    drop(SAMPLES / export, tmp_path)
    run = poll_all(connector(sample_config(stem, tmp_path)))
    lines = (SAMPLES / export).read_text(encoding="utf-8").splitlines()
    delimiter = ";" if ";" in lines[0] else ","
    header = lines[0].split(delimiter)
    raw = {row.split(delimiter)[header.index(c)] for row in lines[1:] for c in secret_columns}
    serialised = run.as_json()
    assert raw and not [value for value in raw if value and value in serialised]


def test_no_raw_value_of_the_police_export_s_identifying_keys_leaves(tmp_path: Path) -> None:
    drop(SAMPLES / "politie-incidenten.jsonl", tmp_path)
    run = poll_all(connector(sample_config("politie-incidenten", tmp_path)))
    raw: set[str] = set()
    for line in (SAMPLES / "politie-incidenten.jsonl").read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        raw |= {record["melder"]["naam"], record["melder"]["telefoon"]}
    serialised = run.as_json()
    assert len(raw) == 8 and not [value for value in raw if value in serialised]


def test_ten_thousand_rows_with_three_bad_ones_give_9997_events_and_3_rejects(tmp_path: Path) -> None:
    secrets = vera_export(tmp_path / "export.csv", 10_000, {17: "date", 5_000: "code", 9_999: "number"})
    run = poll_all(connector(sample_config("vera-signaleringen", tmp_path, batch_rows=1000)))

    assert len(run.emits) == 9_997
    assert len({emit.event["id"] for emit in run.emits}) == 9_997
    assert [(r.reason, r.position) for r in run.rejects] == [
        ("invalid_time", "export.csv:row 17"),
        ("unmapped_code", "export.csv:row 5000"),
        ("invalid_number", "export.csv:row 9999"),
    ]
    assert run.polls == 11  # ten batches of 1000 rows, then one that finds nothing more
    serialised = run.as_json()
    candidates = set(re.findall(r"[0-9]{16}|Huurder [0-9]{6}", serialised))
    assert len(secrets["vbo_id"]) > 9_000
    assert candidates & (secrets["vbo_id"] | secrets["huurder_naam"]) == set()


def test_a_row_with_the_wrong_number_of_fields_is_rejected_without_its_values(tmp_path: Path) -> None:
    secrets = vera_export(tmp_path / "export.csv", 5, {3: "columns"})
    run = poll_all(connector(sample_config("vera-signaleringen", tmp_path)))
    assert len(run.emits) == 4
    [reject] = run.rejects
    assert (reject.reason, reject.position, reject.record) == (
        "column_count",
        "export.csv:row 3",
        {"fields": 12, "expected": 11},
    )
    assert not [
        v for values in secrets.values() for v in values if v in run.as_json() and v.startswith("0363")
    ]


def test_the_same_file_dropped_again_under_another_name_emits_nothing(tmp_path: Path) -> None:
    vera_export(tmp_path / "signaleringen-1.csv", 50)
    instance = connector(sample_config("vera-signaleringen", tmp_path, on_done="keep"))
    first = poll_all(instance)
    assert len(first.emits) == 50

    drop(tmp_path / "signaleringen-1.csv", tmp_path, "signaleringen-1-kopie.csv")
    again = poll_all(instance, first.checkpoint)
    assert again.emits == [] and again.rejects == []
    restarted = poll_all(
        connector(sample_config("vera-signaleringen", tmp_path, on_done="keep")), first.checkpoint
    )
    assert restarted.emits == []


def test_a_crash_mid_file_resumes_at_the_checkpoint_s_row(tmp_path: Path) -> None:
    uninterrupted, crashing = tmp_path / "a", tmp_path / "b"
    uninterrupted.mkdir()
    crashing.mkdir()
    vera_export(uninterrupted / "export.csv", 25)
    whole = poll_all(connector(sample_config("vera-signaleringen", uninterrupted)))
    vera_export(crashing / "export.csv", 25)

    first = connector(sample_config("vera-signaleringen", crashing, batch_rows=10))
    batch = first.poll(None)
    assert batch.more and batch.checkpoint is not None
    assert batch.checkpoint["file"]["row"] == 10
    # The process dies here; a new one starts from the saved checkpoint.
    rest = poll_all(connector(sample_config("vera-signaleringen", crashing, batch_rows=10)), batch.checkpoint)

    ids = [o.event["id"] for o in batch.outcomes if hasattr(o, "event")] + [e.event["id"] for e in rest.emits]
    assert ids == [emit.event["id"] for emit in whole.emits]
    assert rest.emits[0].position == "export.csv:row 11"


def test_a_poll_repeated_with_the_same_checkpoint_yields_the_same_rows(tmp_path: Path) -> None:
    vera_export(tmp_path / "export.csv", 30)
    instance = connector(sample_config("vera-signaleringen", tmp_path, batch_rows=10))
    first = instance.poll(None)
    second = instance.poll(first.checkpoint)
    retried = instance.poll(first.checkpoint)  # the delivery of `second` failed: the runner polls again
    assert [o.position for o in retried.outcomes] == [o.position for o in second.outcomes]
    assert retried.outcomes == second.outcomes
    assert retried.checkpoint == second.checkpoint


def test_files_being_written_are_left_alone(tmp_path: Path) -> None:
    vera_export(tmp_path / "export.csv.part", 5)
    vera_export(tmp_path / "export.tmp", 5)
    vera_export(tmp_path / "fresh.csv", 5)
    os.utime(tmp_path / "fresh.csv")  # modified just now
    instance = connector(sample_config("vera-signaleringen", tmp_path))
    assert poll_all(instance).emits == []

    settle(tmp_path / "fresh.csv")
    assert len(poll_all(instance).emits) == 5


def test_on_done_move_moves_a_file_once_its_checkpoint_is_saved(tmp_path: Path) -> None:
    vera_export(tmp_path / "export.csv", 5)
    instance = connector(sample_config("vera-signaleringen", tmp_path, on_done="move"))
    batch = instance.poll(None)
    assert len(batch.outcomes) == 5
    # Polling on from a checkpoint that is not saved yet (the runner reads ahead) moves nothing.
    assert list(instance.poll(batch.checkpoint).outcomes) == []
    assert (tmp_path / "export.csv").exists()
    instance.committed(batch.checkpoint)
    assert not (tmp_path / "export.csv").exists()
    assert (tmp_path / DONE_DIR / "export.csv").exists()


def test_a_header_without_a_mapped_column_rejects_the_file_once(tmp_path: Path) -> None:
    (tmp_path / "export.csv").write_text("signalering_id;vbo_id\nSIG-1;0363010000123456\n", encoding="utf-8")
    settle(tmp_path / "export.csv")
    instance = connector(sample_config("vera-signaleringen", tmp_path))
    run = poll_all(instance)
    [reject] = run.rejects
    assert (reject.reason, reject.position) == ("missing_column", "export.csv:header")
    assert "datum" in reject.record["columns"]
    assert poll_all(instance, run.checkpoint).rejects == []


def test_the_checkpoint_keeps_only_the_newest_hashes(tmp_path: Path) -> None:
    instance = connector(sample_config("vera-signaleringen", tmp_path, remember_files=2))
    for number in range(3):
        vera_export(tmp_path / f"export-{number}.csv", 2, seed=number)
    run = poll_all(instance)
    assert run.checkpoint is not None and len(run.checkpoint["done"]) == 2


def test_a_missing_directory_fails_the_connector(tmp_path: Path) -> None:
    instance = connector(sample_config("vera-signaleringen", tmp_path))
    instance.config.directory.rmdir()
    with pytest.raises(PermanentError, match="does not exist"):
        instance.setup()


def test_a_file_that_goes_away_mid_way_is_forgotten(tmp_path: Path) -> None:
    vera_export(tmp_path / "export.csv", 30)
    instance = connector(sample_config("vera-signaleringen", tmp_path, batch_rows=10))
    batch = instance.poll(None)
    (tmp_path / "export.csv").unlink()
    after = instance.poll(batch.checkpoint)
    assert list(after.outcomes) == [] and not after.more
    assert after.checkpoint == {"done": [], "file": None}
