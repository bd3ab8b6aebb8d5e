"""The `wijkbrug` command line as PRODUCT.md fixes it: org and user creation with --json, --data-dir."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from click.testing import CliRunner, Result

from services.cli.main import cli
from services.config import Settings
from services.deployment import open_deployment
from services.directory.sql import SqlDirectoryStore
from services.security.passwords import verify_password

pytestmark = pytest.mark.db

AMSTERDAM = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "amsterdam"


def wijkbrug(
    *args: str, data_dir: Path, database_url: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "WIJKBRUG_DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "services.cli.main", *args, "--data-dir", str(data_dir)],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def in_process(*args: str, data_dir: Path, database_url: str, stdin: str | None = None) -> Result:
    """The same command in this process (no interpreter start-up), for the many error cases."""
    return CliRunner().invoke(
        cli, [*args, "--data-dir", str(data_dir)], env={"WIJKBRUG_DATABASE_URL": database_url}, input=stdin
    )


def directory(tmp_path: Path, database_url: str) -> SqlDirectoryStore:
    settings = Settings(data_dir=tmp_path, database_url=database_url)
    return SqlDirectoryStore(open_deployment(settings).sessions)


def test_org_add_prints_the_contracts_json_and_stores_only_a_hash(tmp_path: Path, database_url: str) -> None:
    result = wijkbrug(
        "org",
        "add",
        "woco-west",
        "--domain",
        "housing",
        "--json",
        data_dir=tmp_path,
        database_url=database_url,
    )

    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert set(document) == {"org", "source", "token"}
    assert document["org"] == "woco-west"
    assert document["source"] == "urn:nl:wijkbrug:org:woco-west"
    assert document["token"].startswith("wbo_")
    store = directory(tmp_path, database_url)
    found = store.organisation_for_token(document["token"])
    assert found is not None and found.slug == "woco-west"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["org", "add", "Woco West", "--domain", "housing"], "slug"),
        (["org", "add", "woco", "--domain", "taskforce"], "Invalid value for '--domain'"),
        (["user", "add", "jan", "--role", "liaison"], "--org"),
        (["user", "add", "jan", "--role", "resident"], "--buurt"),
        (["user", "add", "jan", "--role", "resident", "--buurt", "BU99999999"], "unknown buurt"),
        (["user", "add", "jan", "--role", "liaison", "--org", "nobody"], "no organisation"),
        (["user", "add", "jan", "--role", "boss"], "Invalid value for '--role'"),
    ],
)
def test_bad_directory_commands_fail_with_a_clear_message(
    tmp_path: Path, database_url: str, args: list[str], message: str
) -> None:
    result = in_process(*args, data_dir=tmp_path, database_url=database_url)

    assert result.exit_code != 0
    assert message in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_duplicate_organisation_is_refused(tmp_path: Path, database_url: str) -> None:
    assert (
        wijkbrug(
            "org", "add", "gemeente", "--domain", "social", data_dir=tmp_path, database_url=database_url
        ).returncode
        == 0
    )

    again = wijkbrug(
        "org", "add", "gemeente", "--domain", "social", data_dir=tmp_path, database_url=database_url
    )

    assert again.returncode == 1
    assert "exists already" in again.stderr


def test_user_add_with_a_password_from_stdin(tmp_path: Path, database_url: str) -> None:
    wijkbrug("org", "add", "woco", "--domain", "housing", data_dir=tmp_path, database_url=database_url)
    result = wijkbrug(
        "user",
        "add",
        "anna",
        "--role",
        "liaison",
        "--org",
        "woco",
        "--password-stdin",
        "--json",
        data_dir=tmp_path,
        database_url=database_url,
        stdin="lang-genoeg-wachtwoord\n",
    )

    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert set(document) == {"user", "token"} and document["user"] == "anna"
    store = directory(tmp_path, database_url)
    user = store.user_for_token(document["token"])
    assert user is not None and user.org == "woco" and user.role.value == "liaison"
    stored = store.password_hash("anna")
    assert stored is not None and "lang-genoeg-wachtwoord" not in stored
    assert verify_password(PasswordHasher(), stored, "lang-genoeg-wachtwoord")


def test_a_too_short_password_is_refused(tmp_path: Path, database_url: str) -> None:
    result = wijkbrug(
        "user",
        "add",
        "piet",
        "--role",
        "taskforce",
        "--password-stdin",
        data_dir=tmp_path,
        database_url=database_url,
        stdin="kort\n",
    )
    assert result.returncode == 1
    assert "at least 10 characters" in result.stderr


def test_the_data_dir_chooses_the_deployment(tmp_path: Path) -> None:
    # Without WIJKBRUG_DATABASE_URL each data directory has its own SQLite database.
    env = {"PATH": "/usr/bin:/bin"}
    first, second = tmp_path / "one", tmp_path / "two"
    for data_dir, slug in ((first, "alpha"), (second, "beta")):
        subprocess.run(
            [
                sys.executable,
                "-m",
                "services.cli.main",
                "org",
                "add",
                slug,
                "--domain",
                "safety",
                "--data-dir",
                str(data_dir),
            ],
            env=env,
            check=True,
            capture_output=True,
            timeout=60,
        )
    listed = subprocess.run(
        [sys.executable, "-m", "services.cli.main", "org", "list", "--json", "--data-dir", str(first)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert [org["org"] for org in json.loads(listed.stdout)] == ["alpha"]
    assert (first / "wijkbrug.db").exists() and (second / "wijkbrug.db").exists()


def test_buurten_load_replaces_the_municipality(tmp_path: Path, database_url: str) -> None:
    result = wijkbrug(
        "buurten",
        "load",
        str(AMSTERDAM / "buurten.csv"),
        "--kerncijfers",
        str(AMSTERDAM / "kerncijfers_2024.csv"),
        data_dir=tmp_path,
        database_url=database_url,
    )
    assert result.returncode == 0, result.stderr
    assert "loaded 439 buurten" in result.stdout
    listed = json.loads(
        wijkbrug("buurten", "list", "--json", data_dir=tmp_path, database_url=database_url).stdout
    )
    assert len(listed) == 439
    assert {row["code"] for row in listed} >= {"BU0363AD05", "BU0363NK03"}
    assert not [row for row in listed if "\ufffd" in row["name"] + row["wijk"]]


def test_schemas_export_writes_the_catalogue(tmp_path: Path, database_url: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "services.cli.main", "schemas", "export", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    names = {path.name for path in (tmp_path / "out").iterdir()}
    assert {"cloudevent.json", "catalogue.json", "nl.wijkbrug.housing.eviction.summoned.json"} <= names
    catalogue = json.loads((tmp_path / "out" / "catalogue.json").read_text())
    assert len(catalogue["types"]) == 28


def test_rules_list_shows_the_default_pack(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "services.cli.main", "rules", "list", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    rules = {rule["id"]: rule for rule in json.loads(result.stdout)}
    assert rules["eviction-during-debt-assistance"]["severity"] == "high"
