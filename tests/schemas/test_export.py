import json
import re
from pathlib import Path
from typing import Any

import pytest

from schemas.catalogue import CATALOGUE
from schemas.export import export_json_schemas
from schemas.samples import sample_event

BASE = "https://wijkbrug.nl/schemas/v1/"


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    directory = tmp_path_factory.mktemp("schemas") / "v1"
    paths = export_json_schemas(directory)
    assert all(path.parent == directory for path in paths)
    return {path.name: json.loads(path.read_text(encoding="utf-8")) for path in paths}


def test_writes_every_file(exported: dict[str, dict[str, Any]]) -> None:
    expected = {"cloudevent.json", "escalation.json", "deadletter.json", "catalogue.json"}
    expected |= {f"{name}.json" for name in CATALOGUE}
    assert set(exported) == expected
    assert len(exported) == 32


def test_every_file_declares_dialect_and_id(exported: dict[str, dict[str, Any]]) -> None:
    for name, document in exported.items():
        assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert document["$id"] == BASE + name


def test_output_is_deterministic_and_pretty(tmp_path: Path) -> None:
    first = [path.read_bytes() for path in export_json_schemas(tmp_path / "a")]
    second = [path.read_bytes() for path in export_json_schemas(tmp_path / "b")]
    assert first == second
    for content in first:
        assert content.endswith(b"}\n")
        assert b'\n  "' in content
        text = content.decode()
        assert json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n" == text


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref is None:
        return schema
    resolved: dict[str, Any] = document["$defs"][ref.removeprefix("#/$defs/")]
    return resolved


def _structurally_valid(document: dict[str, Any], schema: dict[str, Any], value: dict[str, Any]) -> bool:
    """A small structural check: required keys, no extra keys, string patterns and consts at the top level."""
    schema = _resolve(document, schema)
    if not set(schema.get("required", [])) <= set(value):
        return False
    properties: dict[str, Any] = schema.get("properties", {})
    if schema.get("additionalProperties") is False and not set(value) <= set(properties):
        return False
    for key, item in value.items():
        prop = _resolve(document, properties.get(key, {}))
        options = prop.get("anyOf", [prop])
        if not any(_matches(document, option, item) for option in options):
            return False
    return True


def _matches(document: dict[str, Any], schema: dict[str, Any], value: Any) -> bool:
    schema = _resolve(document, schema)
    if "const" in schema and value != schema["const"]:
        return False
    kind = schema.get("type")
    if kind == "null":
        return value is None
    if kind == "string":
        return isinstance(value, str) and (
            "pattern" not in schema or re.search(schema["pattern"], value) is not None
        )
    if kind == "object" or (kind is None and ("properties" in schema or "required" in schema)):
        return isinstance(value, dict) and _structurally_valid(document, schema, value)
    if kind == "integer":
        return isinstance(value, int)
    if kind == "number":
        return isinstance(value, int | float)
    if kind == "array":
        return isinstance(value, list)
    return True


@pytest.mark.parametrize("name", list(CATALOGUE))
def test_type_schema_accepts_its_sample(exported: dict[str, dict[str, Any]], name: str) -> None:
    document = exported[f"{name}.json"]
    event = sample_event(name)
    assert document["properties"]["type"]["const"] == name
    assert _structurally_valid(document, document, event)
    assert document["examples"] == [event]
    data_schema = _resolve(document, document["properties"]["data"])
    assert set(data_schema.get("required", [])) == {
        field for field, info in CATALOGUE[name].data_model.model_fields.items() if info.is_required()
    }
    assert data_schema["additionalProperties"] is False
    assert "location" in data_schema["properties"]


@pytest.mark.parametrize(
    ("name", "subject", "ok"),
    [
        ("nl.wijkbrug.social.care.started", "hh:7f3a9c2e5b1d4f60", True),
        ("nl.wijkbrug.social.care.started", "loc:7f3a9c2e5b1d4f60", False),
        ("nl.wijkbrug.housing.renovation.planned", "cx:7f3a9c2e5b1d4f60", True),
        ("nl.wijkbrug.housing.renovation.planned", "hh:7f3a9c2e5b1d4f60", False),
        ("nl.wijkbrug.municipality.permit.decided", "ini:7f3a9c2e5b1d4f60", True),
        ("nl.wijkbrug.municipality.permit.decided", "hh:7f3a9c2e5b1d4f60", False),
    ],
)
def test_type_schema_restricts_subject(
    exported: dict[str, dict[str, Any]], name: str, subject: str, ok: bool
) -> None:
    document = exported[f"{name}.json"]
    event = sample_event(name) | {"subject": subject}
    assert _structurally_valid(document, document, event) is ok


def test_type_schema_requires_buurt_or_location(exported: dict[str, dict[str, Any]]) -> None:
    document = exported["nl.wijkbrug.housing.arrears.signalled.json"]
    any_of = document["anyOf"]
    with_buurt = sample_event("nl.wijkbrug.housing.arrears.signalled")
    without = {key: value for key, value in with_buurt.items() if key != "buurt"}
    with_location = without | {"data": without["data"] | {"location": {"lat": 52.4, "lon": 4.9}}}
    assert any(_structurally_valid(document, branch, with_buurt) for branch in any_of)
    assert any(_structurally_valid(document, branch, with_location) for branch in any_of)
    assert not any(_structurally_valid(document, branch, without) for branch in any_of)


def test_envelope_schema(exported: dict[str, dict[str, Any]]) -> None:
    document = exported["cloudevent.json"]
    assert _structurally_valid(document, document, sample_event("nl.wijkbrug.social.care.started"))
    assert not _structurally_valid(
        document, document, sample_event("nl.wijkbrug.social.care.started") | {"x": 1}
    )
    assert document["properties"]["time"]["format"] == "date-time"
    assert set(document["required"]) == {"specversion", "id", "source", "type", "time", "subject", "data"}


def test_escalation_and_deadletter_schemas(exported: dict[str, dict[str, Any]]) -> None:
    escalation = exported["escalation.json"]
    assert escalation["properties"]["severity"]["enum"] == ["low", "medium", "high"]
    assert "evidence" in escalation["required"]
    deadletter = exported["deadletter.json"]
    assert {"reason", "issues", "producer", "received_at", "record"} <= set(deadletter["required"])


def test_catalogue_index(exported: dict[str, dict[str, Any]]) -> None:
    index = exported["catalogue.json"]
    assert [entry["name"] for entry in index["types"]] == list(CATALOGUE)
    for entry in index["types"]:
        event_type = CATALOGUE[entry["name"]]
        assert entry["domain"] == event_type.domain.value
        assert entry["subject_kinds"] == sorted(kind.value for kind in event_type.subject_kinds)
        assert entry["label_nl"] == event_type.label_nl
        assert entry["description"] == event_type.description
        assert entry["schema"] in exported
    assert [item["$ref"] for item in index["oneOf"]] == [f"{name}.json" for name in CATALOGUE]
