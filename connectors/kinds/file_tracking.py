"""Which export files are ready, what their content hash is, and what the checkpoint says about them.

A file is ready when it is a regular file that matches the pattern, is not hidden, does not end in
`.part` or `.tmp` (the usual names of a file still being written or copied), and was last modified at
least `SETTLE_S` seconds ago. Files are identified by the SHA-256 of their content, not their name, so
the same export dropped again under another name is recognised as done.

The checkpoint is `{"done": [sha256, ...], "file": {"sha256", "name", "row"} | null}`: the hashes of the
finished files (the newest `remember_files` of them) and the file in progress with the number of rows
consumed. It holds no content of the files.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from connectors.errors import PermanentError
from connectors.model import Checkpoint

SETTLE_S = 1.0
INCOMPLETE_SUFFIXES = (".part", ".tmp")
DONE_DIR = "done"


@dataclass(frozen=True)
class Candidate:
    """A ready file and its content hash."""

    path: Path
    sha256: str


@dataclass(frozen=True)
class InProgress:
    """The file being read: its hash, its name when it was started, and the rows consumed."""

    sha256: str
    name: str
    row: int


@dataclass
class Progress:
    """A file connector's checkpoint."""

    done: list[str] = field(default_factory=list)
    current: InProgress | None = None

    @classmethod
    def load(cls, checkpoint: Checkpoint | None) -> Progress:
        if not checkpoint:
            return cls()
        try:
            done = [str(item) for item in checkpoint.get("done", [])]
            raw: Any = checkpoint.get("file")
            current = None
            if raw is not None:
                current = InProgress(str(raw["sha256"]), str(raw["name"]), int(raw["row"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise PermanentError(f"the checkpoint is not a file connector's ({exc}); reset it") from exc
        return cls(done, current)

    def dump(self) -> dict[str, Any]:
        current = self.current
        return {
            "done": list(self.done),
            "file": None
            if current is None
            else {"sha256": current.sha256, "name": current.name, "row": current.row},
        }

    def finish(self, sha256: str, remember: int) -> None:
        """Record `sha256` as done (keeping the newest `remember`) and clear the file in progress."""
        if sha256 not in self.done:
            self.done.append(sha256)
        del self.done[:-remember]
        self.current = None


class DirectoryWatch:
    """The ready files of a directory, oldest first, with their hashes (cached by size and mtime)."""

    def __init__(self, directory: Path, pattern: str, *, clock: Callable[[], float] = time.time) -> None:
        self.directory = directory
        self.pattern = pattern
        self._clock = clock
        self._hashes: dict[Path, tuple[int, int, str]] = {}

    def ready(self) -> list[Candidate]:
        """Ready files in order of modification (then name); one per content hash."""
        now = self._clock()
        found: list[tuple[int, str, Path, os.stat_result]] = []
        for path in self.directory.glob(self.pattern):
            name = path.name
            if name.startswith(".") or name.lower().endswith(INCOMPLETE_SUFFIXES):
                continue
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            if not path.is_file() or now - stat.st_mtime < SETTLE_S:
                continue
            found.append((stat.st_mtime_ns, name, path, stat))
        found.sort(key=lambda item: (item[0], item[1]))
        candidates: list[Candidate] = []
        seen: set[str] = set()
        for _, _, path, stat in found:
            try:
                digest = self._hash(path, stat)
            except FileNotFoundError:
                continue
            if digest not in seen:
                seen.add(digest)
                candidates.append(Candidate(path, digest))
        live = {path for _, _, path, _ in found}
        self._hashes = {path: entry for path, entry in self._hashes.items() if path in live}
        return candidates

    def _hash(self, path: Path, stat: os.stat_result) -> str:
        cached = self._hashes.get(path)
        if cached is not None and cached[:2] == (stat.st_size, stat.st_mtime_ns):
            return cached[2]
        with path.open("rb") as handle:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
        self._hashes[path] = (stat.st_size, stat.st_mtime_ns, digest)
        return digest

    def move_done(self, path: Path, sha256: str) -> Path:
        """Move a finished file into the `done/` subdirectory (another file of that name there is kept)."""
        target_dir = self.directory / DONE_DIR
        target_dir.mkdir(exist_ok=True)
        target = target_dir / path.name
        if target.exists():
            target = target_dir / f"{path.stem}.{sha256[:12]}{path.suffix}"
        os.replace(path, target)
        self._hashes.pop(path, None)
        return target
