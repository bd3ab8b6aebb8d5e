"""Connector files: validated on load, with errors that name the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.config import ConnectorConfig, GatewaySink
from connectors.errors import ConfigError
from connectors.registry import KINDS, load_config, load_directory, resolve


def _write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "field", "words"),
    [
        ("- a list\n", "", "must be a mapping"),
        ("name: [unclosed\n", "", "not valid YAML"),
        ("name: x1\norg: gemeente\n", "kind", "missing"),
        (
            "name: x1\nkind: carrier-pigeon\norg: gemeente\n",
            "kind",
            "unknown connector kind 'carrier-pigeon'",
        ),
        ("name: Not A Slug\nkind: sql\norg: gemeente\n", "name", "should match pattern"),
    ],
)
def test_a_bad_file_names_itself_and_the_field(tmp_path: Path, text: str, field: str, words: str) -> None:
    path = _write(tmp_path, "bad.yaml", text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.file == str(path)
    assert caught.value.field == field
    assert words in str(caught.value)
    assert str(path) in str(caught.value)


def test_an_unreadable_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot be read"):
        load_config(tmp_path / "missing.yaml")


def test_every_kind_names_a_model_and_an_implementation() -> None:
    for name, kind in KINDS.items():
        model = resolve(kind.config)
        assert issubclass(model, ConnectorConfig), name
        assert callable(resolve(kind.implementation)), name
        assert kind.mode in {"source", "callback", "decisions"}


def test_the_common_part_defaults_to_the_hub_and_takes_a_gateway(tmp_path: Path) -> None:
    model = resolve(KINDS["sql"].config)
    fields = set(model.model_fields)
    assert {"name", "kind", "org", "pseudonymisation", "sink", "retry"} <= fields
    gateway = GatewaySink.model_validate(
        {"gateway": {"url": "https://hub.example", "token_env": "HUB_TOKEN"}}
    )
    assert gateway.gateway.token_env == "HUB_TOKEN"
    with pytest.raises(ValueError, match="should match pattern"):
        GatewaySink.model_validate({"gateway": {"url": "ftp://hub", "token_env": "HUB_TOKEN"}})


def test_a_directory_is_required(tmp_path: Path) -> None:
    path = _write(tmp_path, "a.yaml", "name: a1\nkind: sql\norg: gemeente\n")
    with pytest.raises(ConfigError, match="is not a directory"):
        load_directory(path)


WEBHOOK = """name: {name}
kind: webhook-out
org: gemeente
targets: {{woco: {{url: "https://woco.example/hooks/wijkbrug", secret_env: WOCO_HOOK_SECRET}}}}
"""


def test_a_directory_loads_every_file_and_refuses_one_name_twice(tmp_path: Path) -> None:
    first = _write(tmp_path, "a.yaml", WEBHOOK.format(name="decisions-out"))
    _write(tmp_path, "b.yml", WEBHOOK.format(name="decisions-copy"))
    _write(tmp_path, "notes.txt", "not a connector")
    assert {config.name for config in load_directory(tmp_path).values()} == {
        "decisions-out",
        "decisions-copy",
    }
    _write(tmp_path, "c.yaml", WEBHOOK.format(name="decisions-out"))
    with pytest.raises(ConfigError, match=f"'decisions-out' is also the name in {first}") as caught:
        load_directory(tmp_path)
    assert caught.value.field == "name" and caught.value.file == str(tmp_path / "c.yaml")
