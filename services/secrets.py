"""Deployment secrets that the embedded mode generates itself when none are configured."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from services.config import Settings

SESSION_SECRET_FILE = "session-secret"  # noqa: S105 - a file name, not a secret


def session_secret(settings: Settings) -> str:
    """`WIJKBRUG_SESSION_SECRET`, else a random key kept (mode 0600) in the data directory."""
    if settings.session_secret is not None:
        return settings.session_secret.get_secret_value()
    path = settings.data_dir / SESSION_SECRET_FILE
    if not path.exists():
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        _write_private(path, secrets.token_urlsafe(48))
    return path.read_text().strip()


def _write_private(path: Path, value: str) -> None:
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    descriptor = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(value)
    try:
        # Another process may have won the race; keep the first key so all processes agree.
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
