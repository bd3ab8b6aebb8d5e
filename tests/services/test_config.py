"""Settings: WIJKBRUG_* environment variables, the default SQLite URL, secrets kept out of sight."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError
from sqlalchemy.engine import make_url

from services.config import Settings

SECRET_URL = "postgresql+psycopg://wijkbrug:hunter2-geheim@db.example:5432/wijkbrug"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No WIJKBRUG_* variable of the surrounding shell leaks in; relative paths resolve under tmp_path."""
    for name in list(os.environ):
        if name.startswith("WIJKBRUG_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_values_come_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("WIJKBRUG_PORT", "9000")
    monkeypatch.setenv("WIJKBRUG_HOST", "0.0.0.0")  # noqa: S104 - a value under test, nothing binds
    monkeypatch.setenv("WIJKBRUG_DATA_DIR", str(tmp_path / "deployment"))
    monkeypatch.setenv("WIJKBRUG_KAFKA_BOOTSTRAP", "kafka-1:9092,kafka-2:9092")
    monkeypatch.setenv("WIJKBRUG_TOPIC_PREFIX", "acc.")
    monkeypatch.setenv("WIJKBRUG_SECURE_COOKIES", "true")
    monkeypatch.setenv("WIJKBRUG_PARTITIONS_EVENTS", "16")
    monkeypatch.setenv("WIJKBRUG_HEARTBEAT_STALE_S", "7.5")

    settings = Settings()

    assert settings.port == 9000
    assert settings.host == "0.0.0.0"  # noqa: S104
    assert settings.data_dir == tmp_path / "deployment"
    assert settings.kafka_bootstrap == "kafka-1:9092,kafka-2:9092"
    assert settings.topic_prefix == "acc."
    assert settings.secure_cookies is True
    assert settings.partitions_events == 16
    assert settings.heartbeat_stale_s == 7.5


def test_a_relative_data_dir_becomes_absolute(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("WIJKBRUG_DATA_DIR", "state/../deployment")

    settings = Settings()

    assert settings.data_dir.is_absolute()
    assert settings.data_dir == (tmp_path / "deployment").resolve()


def test_the_default_database_is_sqlite_in_the_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "d")

    url = make_url(settings.sqlalchemy_url())

    assert url.get_backend_name() == "sqlite"
    assert Path(str(url.database)) == tmp_path / "d" / "wijkbrug.db"


def test_a_database_url_wins_and_is_kept_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIJKBRUG_DATABASE_URL", SECRET_URL)

    settings = Settings()

    assert isinstance(settings.database_url, SecretStr)
    assert settings.sqlalchemy_url() == SECRET_URL
    for shown in (repr(settings), str(settings), repr(settings.model_dump()), settings.model_dump_json()):
        assert "hunter2-geheim" not in shown


def test_the_session_secret_is_kept_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIJKBRUG_SESSION_SECRET", "sssst-do-not-show")

    settings = Settings()

    assert settings.session_secret is not None
    assert settings.session_secret.get_secret_value() == "sssst-do-not-show"
    assert "sssst-do-not-show" not in repr(settings)


def test_with_overrides_replaces_given_values_and_ignores_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIJKBRUG_PORT", "9000")
    monkeypatch.setenv("WIJKBRUG_HOST", "10.0.0.1")
    monkeypatch.setenv("WIJKBRUG_DATABASE_URL", SECRET_URL)
    settings = Settings()

    changed = settings.with_overrides(port=9100, host=None, kafka_bootstrap=None, topic_prefix="x.")

    assert (changed.port, changed.host, changed.kafka_bootstrap, changed.topic_prefix) == (
        9100,
        "10.0.0.1",
        None,
        "x.",
    )
    assert changed.sqlalchemy_url() == SECRET_URL
    assert changed.data_dir == settings.data_dir
    assert settings.port == 9000


def test_with_overrides_validates_and_resolves(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)

    assert settings.with_overrides(data_dir="rel").data_dir == tmp_path / "rel"
    with pytest.raises(ValidationError):
        settings.with_overrides(port=70000)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("WIJKBRUG_TOPIC_PREFIX", "Upper."),
        ("WIJKBRUG_TOPIC_PREFIX", "with space"),
        ("WIJKBRUG_TOPIC_PREFIX", "slash/"),
        ("WIJKBRUG_PORT", "65536"),
        ("WIJKBRUG_PORT", "-1"),
        ("WIJKBRUG_PORT", "eighty"),
        ("WIJKBRUG_BROKER_PORT", "0"),
        ("WIJKBRUG_PARTITIONS_EVENTS", "0"),
        ("WIJKBRUG_MAX_BODY_BYTES", "0"),
        ("WIJKBRUG_HEARTBEAT_INTERVAL_S", "0"),
    ],
)
def test_invalid_values_are_refused(monkeypatch: pytest.MonkeyPatch, variable: str, value: str) -> None:
    monkeypatch.setenv(variable, value)

    with pytest.raises(ValidationError) as caught:
        Settings()

    field = variable.removeprefix("WIJKBRUG_").lower()
    assert [error["loc"] for error in caught.value.errors()] == [(field,)]


@pytest.mark.parametrize("prefix", ["", "t1.", "acc-2_x."])
def test_valid_topic_prefixes_are_accepted(prefix: str) -> None:
    assert Settings(topic_prefix=prefix).topic_prefix == prefix
