"""kind: sql against a real database (a SQLite file; PostgreSQL with --db=postgresql): paging in watermark
order, resuming, updated rows, rejects without raw values, and how errors are classified."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    create_engine,
    insert,
    update,
)

from connectors.base import ConnectorContext
from connectors.errors import ConfigError, PermanentError, TransientError
from connectors.kinds.sql import SqlConfig, SqlConnector
from connectors.kinds.sql_query import checkpoint_of, decode, encode, parameters_of
from connectors.model import Batch, Checkpoint, Emit, Reject
from connectors.pseudonym import Pseudonymiser
from connectors.registry import load_config
from schemas.samples import SAMPLE_BUURT
from schemas.validation import validate_event
from tests.support.databases import DatabaseFactory

pytestmark = pytest.mark.db

KEY = b"a-pseudonymisation-key-for-tests"
URL_ENV = "TEST_PARTNER_DATABASE_URL"
T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)

metadata = MetaData()
arrears = Table(
    "achterstanden",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("vbo_id", String(40)),
    Column("maanden", Integer),
    Column("bedrag", Numeric(10, 2)),
    Column("buurtcode", String(10)),
    Column("updated_at", DateTime(timezone=True)),
)


@pytest.fixture
def partner_url(db_backend: str, databases: DatabaseFactory, tmp_path: Path) -> Iterator[str]:
    """An empty table of a partner system in a database of the backend under test."""
    url = databases.new() if db_backend == "postgresql" else f"sqlite:///{tmp_path / 'partner.db'}"
    engine = create_engine(url)
    metadata.create_all(engine)
    engine.dispose()
    yield url


def _row(number: int, minutes: int, **changes: Any) -> dict[str, Any]:
    return {
        "id": number,
        "vbo_id": f"0363010000{number:06d}",
        "maanden": 2,
        "bedrag": Decimal("1250.50"),
        "buurtcode": SAMPLE_BUURT,
        "updated_at": T0 + timedelta(minutes=minutes),
        **changes,
    }


def _insert(url: str, rows: list[dict[str, Any]]) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(insert(arrears), rows)
    engine.dispose()


def _document(**changes: Any) -> dict[str, Any]:
    return {
        "name": "woco-sql",
        "kind": "sql",
        "org": "woco",
        "pseudonymisation": {"key_env": "TEST_PSEUDONYM_KEY"},
        "url_env": URL_ENV,
        "query": "SELECT id, vbo_id, maanden, bedrag, buurtcode, updated_at FROM achterstanden;",
        "watermark": {"column": "updated_at", "tiebreaker": "id"},
        "batch_rows": 3,
        "poll_interval": "15s",
        "mapping": {
            "type": "housing.arrears.signalled",
            "time": {"column": "updated_at", "timezone": "UTC"},  # SQLite keeps no offset
            "subject": {"column": "vbo_id", "pseudonym": "hh"},
            "buurt": {"column": "buurtcode"},
            "data": {
                "months_in_arrears": {"column": "maanden", "type": "int"},
                "amount_eur": {"column": "bedrag", "type": "number"},
            },
        },
        **changes,
    }


def _connector(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str, **changes: Any) -> SqlConnector:
    monkeypatch.setenv(URL_ENV, url)
    path = tmp_path / "woco-sql.yaml"
    path.write_text(json.dumps(_document(**changes)))
    config = load_config(path)
    assert isinstance(config, SqlConfig)
    connector = SqlConnector(config, ConnectorContext(file=str(path), pseudonymiser=Pseudonymiser(KEY)))
    connector.setup()
    return connector


def _drain(connector: SqlConnector, checkpoint: Checkpoint | None) -> tuple[list[Batch], Checkpoint | None]:
    """Poll as the runner does (the checkpoint of each delivered batch) until the source has no more."""
    batches: list[Batch] = []
    while True:
        batch = connector.poll(checkpoint)
        batches.append(batch)
        if batch.checkpoint is not None:
            checkpoint = batch.checkpoint
        if not batch.more:
            return batches, checkpoint


def _emits(batches: list[Batch]) -> list[Emit]:
    return [outcome for batch in batches for outcome in batch.outcomes if isinstance(outcome, Emit)]


def test_rows_with_equal_watermarks_split_over_pages_are_neither_lost_nor_doubled(
    partner_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Rows 2..6 share one watermark; pages of 3 split them. Inserted out of order.
    _insert(partner_url, [_row(n, 5) for n in (6, 2, 4, 3, 5)] + [_row(1, 0), _row(7, 9)])
    connector = _connector(tmp_path, monkeypatch, partner_url)

    batches, checkpoint = _drain(connector, None)

    assert [len(batch.outcomes) for batch in batches] == [3, 3, 1]
    assert [batch.more for batch in batches] == [True, True, False]
    emits = _emits(batches)
    assert [emit.position.rsplit("=", 1)[1] for emit in emits] == ["1", "2", "3", "4", "5", "6", "7"]
    assert len({emit.event["id"] for emit in emits}) == 7
    assert all(emit.event["id"].startswith(f"sql-woco-sql-{n}-") for n, emit in enumerate(emits, start=1))
    assert checkpoint is not None
    assert checkpoint["tiebreaker"] == 7
    first, second = batches[0].checkpoint, batches[1].checkpoint
    assert first is not None and second is not None
    assert (first["tiebreaker"], second["tiebreaker"]) == (3, 6)
    assert first["watermark"] == second["watermark"]  # the split fell inside one watermark
    connector.stop()


def test_events_are_valid_and_carry_pseudonyms_never_the_raw_identifier(
    partner_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _insert(partner_url, [_row(1, 0)])
    connector = _connector(tmp_path, monkeypatch, partner_url)

    [emit] = _emits(_drain(connector, None)[0])

    event = dict(emit.event)
    validate_event(event)
    assert event["subject"] == Pseudonymiser(KEY).pseudonym("hh", "0363010000000001")
    assert event["source"] == "urn:nl:wijkbrug:org:woco"
    assert event["time"] == "2025-03-01T09:00:00Z"
    assert event["buurt"] == SAMPLE_BUURT
    assert event["data"] == {"months_in_arrears": 2, "amount_eur": 1250.5}
    assert "0363010000000001" not in json.dumps(event)
    connector.stop()


def test_resuming_from_the_checkpoint_re_emits_nothing_and_an_updated_row_comes_again_with_a_new_id(
    partner_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _insert(partner_url, [_row(n, n) for n in range(1, 5)])
    connector = _connector(tmp_path, monkeypatch, partner_url)
    first, checkpoint = _drain(connector, None)
    connector.stop()
    ids = {emit.event["id"] for emit in _emits(first)}

    restarted = _connector(tmp_path, monkeypatch, partner_url)
    again = restarted.poll(json.loads(json.dumps(checkpoint)))  # as stored: JSON
    assert again == Batch()

    engine = create_engine(partner_url)
    with engine.begin() as connection:
        connection.execute(
            update(arrears).where(arrears.c.id == 2).values(maanden=3, updated_at=T0 + timedelta(hours=1))
        )
    engine.dispose()
    _insert(partner_url, [_row(5, 30)])
    later, _ = _drain(restarted, checkpoint)

    changed = _emits(later)
    assert [emit.event["data"]["months_in_arrears"] for emit in changed] == [2, 3]
    assert [emit.event["id"].removeprefix("sql-woco-sql-").split("-")[0] for emit in changed] == ["5", "2"]
    assert not ids & {emit.event["id"] for emit in changed}
    # Reading from the start again gives the same ids (the hub keeps one copy of each).
    reread = {emit.event["id"] for emit in _emits(_drain(restarted, None)[0])}
    assert reread == (ids - {next(i for i in ids if i.startswith("sql-woco-sql-2-"))}) | {
        emit.event["id"] for emit in changed
    }
    restarted.stop()


def test_a_bad_row_is_rejected_with_its_position_and_without_raw_values_and_the_rest_goes_on(
    partner_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _insert(partner_url, [_row(1, 0), _row(2, 1, maanden=None), _row(3, 2)])
    connector = _connector(tmp_path, monkeypatch, partner_url)

    batch = _drain(connector, None)[0][0]

    emits = [outcome for outcome in batch.outcomes if isinstance(outcome, Emit)]
    [reject] = [outcome for outcome in batch.outcomes if isinstance(outcome, Reject)]
    assert len(emits) == 2
    assert reject.reason == "missing_value"
    assert reject.field == "mapping.data.months_in_arrears"
    assert reject.position.startswith("updated_at=") and reject.position.endswith(",id=2")
    assert reject.record["vbo_id"] == Pseudonymiser(KEY).pseudonym("hh", "0363010000000002")
    assert "0363010000000002" not in json.dumps(reject.record)
    assert batch.checkpoint is not None and batch.checkpoint["tiebreaker"] == 3
    connector.stop()


def test_an_id_template_decides_the_event_id(
    partner_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _insert(partner_url, [_row(1, 0)])
    document = _document()
    mapping = {**document["mapping"], "id": {"template": "woco-{id}"}}
    connector = _connector(tmp_path, monkeypatch, partner_url, mapping=mapping)

    [emit] = _emits(_drain(connector, None)[0])

    assert emit.event["id"] == "woco-1"
    connector.stop()


def test_checkpoint_values_keep_their_type() -> None:
    moment = datetime(2025, 3, 1, 9, 0, 0, 123456, tzinfo=UTC)
    for value in (moment, moment.date(), Decimal("12.50"), 7, 2.5, "2025-03-01 09:00:00.000000"):
        encoded, type_name = encode(value)
        assert decode(json.loads(json.dumps(encoded)), type_name) == value
        assert type(decode(encoded, type_name)) is type(value)
    checkpoint = checkpoint_of(moment, 7)
    assert checkpoint == {
        "watermark": "2025-03-01T09:00:00.123456+00:00",
        "watermark_type": "datetime",
        "tiebreaker": 7,
        "tiebreaker_type": "int",
    }
    assert parameters_of(checkpoint) == {"wm": moment, "tb": 7}


# --- errors -------------------------------------------------------------------------------------------


def test_a_missing_url_variable_is_a_configuration_error_naming_the_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "woco-sql.yaml"
    path.write_text(json.dumps(_document()))
    config = load_config(path)
    assert isinstance(config, SqlConfig)
    monkeypatch.delenv(URL_ENV, raising=False)
    connector = SqlConnector(config, ConnectorContext(file=str(path), pseudonymiser=Pseudonymiser(KEY)))

    with pytest.raises(ConfigError) as missing:
        connector.setup()

    assert missing.value.field == "url_env"


def test_an_unusable_url_is_a_configuration_error_that_does_not_show_the_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ConfigError) as unusable:
        _connector(tmp_path, monkeypatch, "nonsense://user:hunter2-secret@host/db")

    assert unusable.value.field == "url_env"
    assert "hunter2" not in str(unusable.value)


def test_a_query_the_database_refuses_is_permanent(
    partner_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(PermanentError) as refused:
        _connector(tmp_path, monkeypatch, partner_url, query="SELECT id, updated_at FROM no_such_table")

    assert "query" in str(refused.value)


def test_a_query_without_the_watermark_column_is_permanent_naming_the_field(
    partner_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(PermanentError, match=r"watermark\.tiebreaker: the query returns no column nummer"):
        _connector(
            tmp_path,
            monkeypatch,
            partner_url,
            query="SELECT id, maanden, updated_at AS gewijzigd FROM achterstanden",
            watermark={"column": "gewijzigd", "tiebreaker": "nummer"},
        )


def test_an_unreachable_database_is_transient(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(TransientError):
        _connector(tmp_path, monkeypatch, f"sqlite:///{tmp_path / 'no' / 'such' / 'dir' / 'partner.db'}")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"query": "DELETE FROM achterstanden"}, "query"),
        ({"watermark": {"column": "updated_at", "tiebreaker": "vbo_id"}}, "(file)"),
        ({"watermark": {"column": "updated_at"}}, "watermark.tiebreaker"),
        ({"batch_rows": 0}, "batch_rows"),
        ({"poll_interval": "soon"}, "poll_interval"),
    ],
)
def test_an_invalid_file_names_the_field(tmp_path: Path, changes: dict[str, Any], field: str) -> None:
    path = tmp_path / "woco-sql.yaml"
    path.write_text(json.dumps(_document(**changes)))

    with pytest.raises(ConfigError) as invalid:
        load_config(path)

    assert invalid.value.field == field
