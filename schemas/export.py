"""Export of the v1 JSON Schemas (draft 2020-12).

Envelope, one schema per event type, escalation, dead letter, and the catalogue index.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from schemas.catalogue import CATALOGUE, EventType
from schemas.deadletter import DeadLetterRecord
from schemas.envelope import CloudEvent
from schemas.escalation import EscalationMessage
from schemas.identifiers import SCHEMA_BASE_URL, subject_pattern
from schemas.samples import sample_event

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
CLOUDEVENT_SCHEMA = "cloudevent.json"
ESCALATION_SCHEMA = "escalation.json"
DEADLETTER_SCHEMA = "deadletter.json"
CATALOGUE_SCHEMA = "catalogue.json"


def _document(file_name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"$schema": JSON_SCHEMA_DIALECT, "$id": SCHEMA_BASE_URL + file_name, **schema}


def _model_schema(model: type[BaseModel]) -> dict[str, Any]:
    return model.model_json_schema(mode="validation")


def event_type_schema(event_type: EventType) -> dict[str, Any]:
    """The schema of a complete event of one type: envelope, restricted subject and typed ``data``."""
    schema = _model_schema(CloudEvent)
    data_schema = _model_schema(event_type.data_model)
    definitions: dict[str, Any] = {**schema.pop("$defs", {}), **data_schema.pop("$defs", {})}
    data_name = event_type.data_model.__name__
    definitions[data_name] = data_schema
    properties = schema["properties"]
    properties["type"] = {"const": event_type.name, "title": "Type", "type": "string"}
    properties["subject"] = {
        **properties["subject"],
        "pattern": subject_pattern(event_type.subject_kinds),
    }
    properties["data"] = {"$ref": f"#/$defs/{data_name}"}
    schema["$defs"] = definitions
    schema["title"] = event_type.name
    schema["description"] = f"{event_type.label_nl}: {event_type.description}"
    schema["examples"] = [sample_event(event_type.name)]
    schema["anyOf"] = [
        {"required": ["buurt"], "properties": {"buurt": {"type": "string"}}},
        {
            "required": ["data"],
            "properties": {
                "data": {"required": ["location"], "properties": {"location": {"type": "object"}}}
            },
        },
    ]
    return schema


def _catalogue_index() -> dict[str, Any]:
    return {
        "title": "wijkbrug event catalogue v1",
        "description": "Any event of catalogue v1; 'types' lists the catalogue with each type's schema file.",
        "oneOf": [{"$ref": f"{name}.json"} for name in CATALOGUE],
        "types": [
            {
                "name": event_type.name,
                "domain": event_type.domain.value,
                "subject_kinds": sorted(kind.value for kind in event_type.subject_kinds),
                "label_nl": event_type.label_nl,
                "description": event_type.description,
                "schema": f"{event_type.name}.json",
            }
            for event_type in CATALOGUE.values()
        ],
    }


def json_schemas() -> dict[str, dict[str, Any]]:
    """Every exported document, keyed by file name, in a stable order."""
    documents: dict[str, dict[str, Any]] = {CLOUDEVENT_SCHEMA: _model_schema(CloudEvent)}
    for name, event_type in CATALOGUE.items():
        documents[f"{name}.json"] = event_type_schema(event_type)
    documents[ESCALATION_SCHEMA] = _model_schema(EscalationMessage)
    documents[DEADLETTER_SCHEMA] = _model_schema(DeadLetterRecord)
    documents[CATALOGUE_SCHEMA] = _catalogue_index()
    return {file_name: _document(file_name, schema) for file_name, schema in documents.items()}


def export_json_schemas(directory: Path) -> list[Path]:
    """Write every schema into ``directory`` (created if needed), pretty-printed with sorted keys.

    Returns the written paths in a stable order.
    """
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for file_name, document in json_schemas().items():
        path = directory / file_name
        text = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
