"""Offline validation of Kubernetes manifests: core kinds by kubernetes-validate, Strimzi kinds by their CRDs.

kubernetes-validate carries the Kubernetes API's JSON schemas but no custom resources, so the Strimzi
resources are checked against the `openAPIV3Schema` of Strimzi's own CRDs (deploy/k8s/crds), made strict
the way the API server prunes: a property a schema does not declare is an error here, not silently dropped.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import yaml

KUBERNETES_VERSION = "1.31"


def documents(path: Path) -> Iterator[dict[str, Any]]:
    """The non-empty YAML documents of a manifest file."""
    for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
        if document:
            yield document


def crd_schemas(directory: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """(apiVersion, kind) -> the strict JSON schema of every served version of the CRDs in `directory`."""
    schemas: dict[tuple[str, str], dict[str, Any]] = {}
    for path in sorted(directory.glob("*.yaml")):
        for crd in documents(path):
            group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
            for version in crd["spec"]["versions"]:
                if version.get("served"):
                    schema = strict(version["schema"]["openAPIV3Schema"])
                    schemas[(f"{group}/{version['name']}", kind)] = schema
    return schemas


def strict(schema: dict[str, Any]) -> dict[str, Any]:
    """A copy of a structural schema where undeclared properties are errors (unless preserved)."""
    result = copy.deepcopy(schema)

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            if (
                "properties" in node
                and "additionalProperties" not in node
                and not node.get("x-kubernetes-preserve-unknown-fields")
            ):
                node["additionalProperties"] = False
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(result)
    # metadata is the API server's (ObjectMeta), not the CRD's: the CRD leaves it open.
    result.setdefault("properties", {})["metadata"] = {"type": "object"}
    return result


def validate(document: dict[str, Any], crds: dict[tuple[str, str], dict[str, Any]]) -> None:
    """Raise if `document` is not valid for its kind (jsonschema or kubernetes-validate errors)."""
    key = (document.get("apiVersion", ""), document.get("kind", ""))
    if key in crds:
        jsonschema.validate(document, crds[key])
    elif key[0].endswith(".strimzi.io/v1") or ".strimzi.io/" in key[0]:
        raise LookupError(f"no CRD for {key}")
    else:
        kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)
