"""The file connector's configuration: checked against the catalogue, errors naming file and field."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from connectors.config import validate_config
from connectors.errors import ConfigError
from connectors.kinds.file import FileConfig
from connectors.registry import load_config
from tests.support.file_exports import SAMPLES


def document(**mapping: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": "woco-vera",
        "kind": "file",
        "org": "woco",
        "pseudonymisation": {"key_env": "WIJKBRUG_PSEUDONYM_KEY"},
        "directory": "/srv/exports",
        "format": "csv",
        "mapping": {
            "type_from": {"columns": ["soort", "detail"], "map": {"SCH/BET": "housing.arrears.signalled"}},
            "time": {"column": "datum"},
            "subject": {"column": "vbo_id"},
            "buurt": {"column": "buurtcode"},
            "data": {
                "amount_eur": {"column": "bedrag", "type": "number"},
                "months_in_arrears": {"column": "maanden", "type": "int"},
            },
        },
    }
    base["mapping"].update(mapping)
    return base


def error(doc: dict[str, Any]) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        validate_config(FileConfig, doc, "woco.yaml")
    assert caught.value.file == "woco.yaml"
    return caught.value


@pytest.mark.parametrize("stem", ["vera-signaleringen", "politie-incidenten", "ijw-iwmo-berichten"])
def test_the_sample_configurations_load_through_the_registry(stem: str) -> None:
    config = load_config(SAMPLES / f"{stem}.yaml")
    assert isinstance(config, FileConfig)


def test_durations_and_defaults() -> None:
    config = validate_config(FileConfig, {**document(), "poll_interval": "30s"}, "woco.yaml")
    assert config.poll_interval == timedelta(seconds=30)
    assert (config.pattern, config.batch_rows, config.on_done) == ("*", 5000, "keep")
    assert validate_config(FileConfig, {**document(), "poll_interval": "5m"}, "w").poll_interval == timedelta(
        minutes=5
    )
    assert error({**document(), "poll_interval": "soon"}).field == "poll_interval"


def test_a_type_outside_the_catalogue_names_its_map_entry() -> None:
    failure = error(document(type_from={"column": "soort", "map": {"SCH": "housing.arrears.forgiven"}}))
    assert failure.field == "mapping.type_from.map.SCH"
    assert "not in catalogue" in failure.message


def test_a_data_field_no_mapped_type_has_is_named() -> None:
    failure = error(document(data={"court_date": {"column": "zitting", "type": "date"}}))
    assert failure.field == "mapping"
    assert "data.court_date" in failure.message


def test_a_subject_kind_the_type_does_not_take_is_refused() -> None:
    failure = error(document(subject={"column": "vbo_id", "pseudonym": "ini"}))
    assert "subject.pseudonym" in failure.message


def test_a_pseudonymised_column_cannot_be_read_in_clear() -> None:
    failure = error(document(id={"template": "vera-{vbo_id}"}))
    assert "mapping.id.template" in failure.message
    failure = error(
        {
            **document(),
            "pseudonymise": ["bsn"],
            "mapping": {**document()["mapping"], "time": {"column": "bsn"}},
        }
    )
    assert "mapping.time" in failure.message


def test_a_mapping_needs_a_place_and_one_type_source() -> None:
    assert "buurt" in error(document(buurt=None)).message
    assert "type_from" in error(document(type="housing.arrears.signalled")).message


def test_unknown_settings_and_files_are_named(tmp_path: Path) -> None:
    assert error({**document(), "delimiter": ";"}).field == "delimiter"
    assert error({**document(), "csv": {"encoding": "klingon"}}).field == "csv.encoding"
    path = tmp_path / "woco.yaml"
    path.write_text(yaml.safe_dump({**document(), "format": "xlsx"}), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert (caught.value.file, caught.value.field) == (str(path), "format")
