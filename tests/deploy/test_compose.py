"""The Docker Compose stack: `docker-compose config` accepts it, and it is the stack the README promises."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
COMPOSE = DEPLOY / "compose.yaml"
SECRETS = {
    "POSTGRES_PASSWORD": "pg-Zr5yKc2LmP7xHs4d",
    "WIJKBRUG_SESSION_SECRET": "q8V3nW0tZr5yKc2LmP7xHs4dJf9gBa6E1uTiRoQw",
    "WIJKBRUG_PSEUDONYM_KEY": "Jf9gBa6E1uTiRoQwq8V3nW0tZr5yKc2LmP7xHs4d",
    "SIGNALEN_TOKEN": "sig-0tZr5yKc2LmP7x",
    "GRAFANA_ADMIN_PASSWORD": "gr-2LmP7xHs4dJf9g",
}


def docker_compose() -> str:
    found = shutil.which("docker-compose")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("docker-compose is missing in CI (.ci/run installs Debian's docker-compose)")
        pytest.skip("docker-compose is not installed (apt-get install docker-compose)")
    return found


def compose_config(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {key: value for key, value in os.environ.items() if key not in SECRETS}
    return subprocess.run(
        [docker_compose(), "-f", str(COMPOSE), "config"],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture(scope="module")
def config() -> dict[str, Any]:
    result = compose_config(SECRETS)
    assert result.returncode == 0, result.stderr
    parsed: dict[str, Any] = yaml.safe_load(result.stdout)
    return parsed


def test_docker_compose_config_accepts_the_stack(config: dict[str, Any]) -> None:
    assert set(config["services"]) == {
        "kafka-1",
        "kafka-2",
        "kafka-3",
        "postgres",
        "migrate",
        "topics",
        "gateway",
        "dashboard",
        "processor-1",
        "processor-2",
        "escalations",
        "connector-signalen",
        "otel-collector",
        "jaeger",
        "prometheus",
        "grafana",
    }


def test_without_the_secrets_it_refuses_naming_the_variable() -> None:
    result = compose_config({})
    assert result.returncode != 0
    assert "deploy/.env" in result.stderr


def test_kafka_is_kraft_with_three_voters_replication_three_and_two_in_sync(config: dict[str, Any]) -> None:
    brokers = [config["services"][f"kafka-{n}"]["environment"] for n in (1, 2, 3)]
    assert sorted(str(env["KAFKA_NODE_ID"]) for env in brokers) == ["1", "2", "3"]
    for env in brokers:
        assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
        assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"].count("@") == 3
        assert (str(env["KAFKA_DEFAULT_REPLICATION_FACTOR"]), str(env["KAFKA_MIN_INSYNC_REPLICAS"])) == (
            "3",
            "2",
        )
        assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"


def test_migrations_and_topics_run_before_every_wijkbrug_service(config: dict[str, Any]) -> None:
    services = config["services"]
    assert services["migrate"]["command"] == ["db", "upgrade"]
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["topics"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    wijkbrug = [name for name, service in services.items() if service.get("image", "").startswith("wijkbrug")]
    for name in set(wijkbrug) - {"migrate", "topics"}:
        depends = services[name]["depends_on"]
        assert (
            depends["migrate"]["condition"]
            == depends["topics"]["condition"]
            == "service_completed_successfully"
        )
        env = services[name]["environment"]
        assert env["WIJKBRUG_KAFKA_BOOTSTRAP"].count("kafka-") == 3
        assert str(env["WIJKBRUG_TOPIC_REPLICATION_FACTOR"]) == "3"
        assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://otel-collector:4318"
        assert env["WIJKBRUG_LOG_FORMAT"] == "json"


def test_the_collector_sends_traces_to_jaeger_and_grafana_gets_the_dashboard() -> None:
    collector = yaml.safe_load((DEPLOY / "otel-collector.yaml").read_text(encoding="utf-8"))
    pipelines = collector["service"]["pipelines"]
    assert pipelines["traces"]["exporters"] == ["otlp/jaeger"]
    assert collector["exporters"]["otlp/jaeger"]["endpoint"] == "jaeger:4317"
    assert pipelines["metrics"]["exporters"] == ["prometheus"]
    assert list((DEPLOY / "grafana" / "dashboards").glob("*.json"))
