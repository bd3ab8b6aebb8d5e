"""WIJKBRUG_ENVIRONMENT=production refuses placeholder secrets, SQLite, an embedded broker and plaintext."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from pydantic import SecretStr

from services.cli.main import cli
from services.config import Settings
from services.production import ProductionConfigError, check_production, production_problems

GOOD_SECRET = "q8V3nW0tZr5yKc2LmP7xHs4dJf9gBa6E1uTiRoQw"
GOOD_URL = (
    "postgresql+psycopg://wijkbrug:Zr5yKc2LmP7xHs4d@db.gemeente.internal:5432/wijkbrug?sslmode=verify-full"
)


@pytest.fixture(autouse=True)
def production_kafka(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("WIJKBRUG_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("WIJKBRUG_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("WIJKBRUG_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512")
    monkeypatch.setenv("WIJKBRUG_KAFKA_SASL_USERNAME", "wijkbrug-gateway")
    monkeypatch.setenv("WIJKBRUG_KAFKA_SASL_PASSWORD", "Hs4dJf9gBa6E1uTi")


def fit(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "data_dir": tmp_path,
        "environment": "production",
        "session_secret": SecretStr(GOOD_SECRET),
        "secure_cookies": True,
        "database_url": SecretStr(GOOD_URL),
        "kafka_bootstrap": "wijkbrug-kafka-bootstrap:9093",
    }
    return Settings.model_validate({**values, **overrides})


def test_a_complete_production_configuration_passes(tmp_path: Path) -> None:
    settings = fit(tmp_path)
    assert production_problems(settings) == []
    check_production(settings)


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"session_secret": None}, "WIJKBRUG_SESSION_SECRET is not set"),
        ({"session_secret": SecretStr("changeme-changeme-changeme-changeme")}, "placeholder"),
        ({"session_secret": SecretStr("short")}, "placeholder"),
        ({"secure_cookies": False}, "WIJKBRUG_SECURE_COOKIES"),
        ({"database_url": None}, "not SQLite"),
        ({"database_url": SecretStr("sqlite:////var/lib/wijkbrug/w.db")}, "uses sqlite"),
        ({"database_url": SecretStr(GOOD_URL.replace("?sslmode=verify-full", ""))}, "sslmode"),
        ({"database_url": SecretStr(GOOD_URL.replace("verify-full", "prefer"))}, "not prefer"),
        ({"database_url": SecretStr(GOOD_URL.replace("Zr5yKc2LmP7xHs4d", "CHANGE_ME"))}, "password"),
        ({"kafka_bootstrap": None}, "embedded broker"),
    ],
)
def test_each_problem_is_named(tmp_path: Path, overrides: dict[str, object], named: str) -> None:
    problems = production_problems(fit(tmp_path, **overrides))
    assert len(problems) == 1 and named in problems[0]
    with pytest.raises(ProductionConfigError, match=named):
        check_production(fit(tmp_path, **overrides))


def test_plaintext_kafka_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SECURITY_PROTOCOL", "SASL_MECHANISM", "SASL_USERNAME", "SASL_PASSWORD"):
        monkeypatch.delenv(f"WIJKBRUG_KAFKA_{name}")
    assert production_problems(fit(tmp_path)) == [
        "WIJKBRUG_KAFKA_SECURITY_PROTOCOL is PLAINTEXT; production needs SSL or SASL_SSL"
    ]


def test_a_placeholder_kafka_password_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIJKBRUG_KAFKA_SASL_PASSWORD", "replace-with-the-kafkauser-secret")
    assert production_problems(fit(tmp_path)) == ["WIJKBRUG_KAFKA_SASL_PASSWORD looks like a placeholder"]


def test_development_checks_nothing(tmp_path: Path) -> None:
    check_production(Settings(data_dir=tmp_path))


def test_every_command_refuses_to_start_with_every_problem_named(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        ["db", "upgrade", "--data-dir", str(tmp_path)],
        env={"WIJKBRUG_ENVIRONMENT": "production", "WIJKBRUG_SESSION_SECRET": "changeme"},
    )
    assert result.exit_code == 1
    assert "not fit for production" in result.output
    for named in ("WIJKBRUG_SESSION_SECRET", "WIJKBRUG_SECURE_COOKIES", "WIJKBRUG_DATABASE_URL"):
        assert named in result.output
    assert not (tmp_path / "wijkbrug.db").exists()


def test_a_kafka_security_mistake_is_named_at_start_in_any_environment(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        ["db", "upgrade", "--data-dir", str(tmp_path)],
        env={"WIJKBRUG_KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "WIJKBRUG_KAFKA_SASL_PASSWORD": ""},
    )
    assert result.exit_code == 1
    assert "invalid configuration" in result.output
    assert "WIJKBRUG_KAFKA_SASL_MECHANISM" in result.output
    assert not (tmp_path / "wijkbrug.db").exists()
