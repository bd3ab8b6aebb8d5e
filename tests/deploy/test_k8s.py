"""The Kubernetes manifests validate offline and say what production needs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.support.manifests import crd_schemas, documents, strict, validate

K8S = Path(__file__).resolve().parents[2] / "deploy" / "k8s"
CRDS = crd_schemas(K8S / "crds")
MANIFESTS = sorted(K8S.glob("*.yaml"))
ALL = [(path.name, document) for path in MANIFESTS for document in documents(path)]


def named(kind: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for _, doc in ALL if doc["kind"] == kind}


@pytest.mark.parametrize(
    ("name", "document"), ALL, ids=[f"{name}:{doc['kind']}/{doc['metadata']['name']}" for name, doc in ALL]
)
def test_every_resource_validates(name: str, document: dict[str, Any]) -> None:
    validate(document, CRDS)


def test_the_strimzi_schemas_catch_a_misspelt_field() -> None:
    kafka = yaml.safe_load(yaml.safe_dump(named("Kafka")["wijkbrug"]))
    kafka["spec"]["kafka"]["listener"] = kafka["spec"]["kafka"].pop("listeners")
    with pytest.raises(jsonschema.ValidationError, match="listener"):
        validate(kafka, CRDS)
    user = yaml.safe_load(yaml.safe_dump(named("KafkaUser")["org-woco-oost"]))
    user["spec"]["authorization"]["acls"][0]["operations"] = ["Wrte"]
    with pytest.raises(jsonschema.ValidationError, match="Wrte"):
        validate(user, CRDS)


def test_a_core_resource_with_an_unknown_field_fails() -> None:
    import kubernetes_validate

    deployment = yaml.safe_load(yaml.safe_dump(named("Deployment")["wijkbrug-gateway"]))
    deployment["spec"]["replica"] = 3
    with pytest.raises(kubernetes_validate.ValidationError):
        validate(deployment, CRDS)


def test_strict_keeps_preserved_objects_open() -> None:
    schema = strict(
        {
            "type": "object",
            "properties": {
                "spec": {
                    "type": "object",
                    "properties": {
                        "config": {
                            "x-kubernetes-preserve-unknown-fields": True,
                            "type": "object",
                            "properties": {},
                        }
                    },
                }
            },
        }
    )
    jsonschema.validate({"spec": {"config": {"anything": 1}}}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"spec": {"other": 1}}, schema)


def test_kafka_is_three_kraft_nodes_with_replication_three_and_two_in_sync() -> None:
    pool = named("KafkaNodePool")["dual-role"]
    assert pool["spec"]["replicas"] == 3 and set(pool["spec"]["roles"]) == {"controller", "broker"}
    config = named("Kafka")["wijkbrug"]["spec"]["kafka"]["config"]
    assert (config["default.replication.factor"], config["min.insync.replicas"]) == (3, 2)
    listeners = named("Kafka")["wijkbrug"]["spec"]["kafka"]["listeners"]
    assert all(
        listener["tls"] and listener["authentication"]["type"] == "scram-sha-512" for listener in listeners
    )
    for topic in named("KafkaTopic").values():
        assert topic["spec"]["replicas"] == 3 and topic["spec"]["config"]["min.insync.replicas"] == 2


def test_a_partner_may_write_only_its_own_inbound_topic() -> None:
    users = named("KafkaUser")
    partners = {name: user for name, user in users.items() if name.startswith("org-")}
    assert partners
    for name, user in partners.items():
        topics = [acl for acl in user["spec"]["authorization"]["acls"] if acl["resource"]["type"] == "topic"]
        assert [(acl["resource"]["name"], acl["resource"]["patternType"]) for acl in topics] == [
            (f"wijkbrug.inbound.{name.removeprefix('org-')}", "literal")
        ]
        assert "Read" not in topics[0]["operations"]
    inbound = {topic["spec"].get("topicName", name) for name, topic in named("KafkaTopic").items()}
    assert {f"wijkbrug.inbound.{name.removeprefix('org-')}" for name in partners} <= inbound


def test_services_run_in_production_mode_with_probes_and_users_of_their_own() -> None:
    config = named("ConfigMap")["wijkbrug"]["data"]
    assert config["WIJKBRUG_ENVIRONMENT"] == "production"
    assert config["WIJKBRUG_KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
    assert "sslmode=verify-full" in named("Secret")["wijkbrug"]["stringData"]["WIJKBRUG_DATABASE_URL"]
    users = set(named("KafkaUser"))
    for name, deployment in named("Deployment").items():
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        env = {item["name"]: item for item in container["env"]}
        assert env["WIJKBRUG_KAFKA_SASL_USERNAME"]["value"] in users, name
        if deployment["metadata"]["labels"]["app.kubernetes.io/component"] in {"gateway", "dashboard"}:
            assert container["readinessProbe"]["httpGet"]["path"] == "/healthz?scope=instance"
            assert container["livenessProbe"]["httpGet"]["path"] == "/healthz?scope=process"
    hpa = named("HorizontalPodAutoscaler")["wijkbrug-processor"]
    events = next(t for t in named("KafkaTopic").values() if t["spec"].get("topicName") == "buurt.events")
    assert hpa["spec"]["maxReplicas"] == events["spec"]["partitions"]
