"""session_secret: the configured secret, else one generated once into the data directory (mode 0600)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from services.config import Settings
from services.secrets import SESSION_SECRET_FILE, session_secret


@pytest.fixture(autouse=True)
def no_secret_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WIJKBRUG_SESSION_SECRET", raising=False)


def test_the_environment_wins_and_nothing_is_written(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("WIJKBRUG_SESSION_SECRET", "configured-secret-value")
    (tmp_path / SESSION_SECRET_FILE).write_text("generated-earlier")

    assert session_secret(Settings(data_dir=tmp_path)) == "configured-secret-value"
    assert (tmp_path / SESSION_SECRET_FILE).read_text() == "generated-earlier"
    assert session_secret(Settings(data_dir=tmp_path / "other")) == "configured-secret-value"
    assert not (tmp_path / "other").exists()


def test_without_configuration_a_private_file_is_created(tmp_path: Path) -> None:
    data_dir = tmp_path / "fresh" / "deployment"

    secret = session_secret(Settings(data_dir=data_dir))

    path = data_dir / SESSION_SECRET_FILE
    assert path.read_text().strip() == secret
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(secret) >= 32
    assert sorted(p.name for p in data_dir.iterdir()) == [SESSION_SECRET_FILE]


def test_the_generated_secret_is_reused(tmp_path: Path) -> None:
    first = session_secret(Settings(data_dir=tmp_path))
    modified = (tmp_path / SESSION_SECRET_FILE).stat().st_mtime_ns

    assert session_secret(Settings(data_dir=tmp_path)) == first
    assert session_secret(Settings(data_dir=tmp_path)) == first
    assert (tmp_path / SESSION_SECRET_FILE).stat().st_mtime_ns == modified


def test_each_deployment_gets_its_own_secret(tmp_path: Path) -> None:
    secrets = {session_secret(Settings(data_dir=tmp_path / name)) for name in ("a", "b", "c")}

    assert len(secrets) == 3


def test_an_existing_file_is_read_without_its_trailing_newline(tmp_path: Path) -> None:
    path = tmp_path / SESSION_SECRET_FILE
    path.write_text("kept-by-an-operator\n")
    os.chmod(path, 0o600)

    assert session_secret(Settings(data_dir=tmp_path)) == "kept-by-an-operator"
