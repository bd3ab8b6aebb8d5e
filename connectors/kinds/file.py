"""`kind: file`: CSV or JSON Lines exports dropped into a directory become catalogue events.

Each file is done once, by content hash (see `file_tracking`): the checkpoint holds the hashes of the
finished files and, for the file in progress, the rows consumed, so a crash mid-file resumes at the next
row and a file dropped again (under any name) emits nothing. A file is read `batch_rows` rows per poll
(`more=True` until its end). A row that cannot be mapped becomes a `Reject` at `<file name>:row <n>` (see
`file_reading` for the numbering) with the columns the mapping reads, pseudonymised ones as their
pseudonyms; the rest of the file goes on. A CSV file whose header lacks a mapped column is rejected as a
whole (one dead letter at `<file name>:header`) and counted as done.

The reader of the file in progress stays open between polls; a poll whose checkpoint does not match it
(a retry after a failed delivery, a restart) reopens the file and skips to the checkpoint's row.
"""

from __future__ import annotations

import logging

from connectors.base import ConnectorContext, SourceConnector
from connectors.errors import PermanentError, TransientError
from connectors.kinds.file_config import FileConfig
from connectors.kinds.file_mapping import BadRecord, BoundMapper, MissingColumns, RecordMapper
from connectors.kinds.file_reading import ExportReader, HeaderProblem
from connectors.kinds.file_tracking import Candidate, DirectoryWatch, InProgress, Progress
from connectors.model import Batch, Checkpoint, Emit, Outcome, Reject

__all__ = ["FileConfig", "FileConnector"]

log = logging.getLogger(__name__)


class _OpenFile:
    """The reader of the file in progress and its mapper."""

    def __init__(self, sha256: str, reader: ExportReader, mapper: BoundMapper) -> None:
        self.sha256 = sha256
        self.reader = reader
        self.mapper = mapper


class FileConnector(SourceConnector[FileConfig]):
    """Watches a directory and maps each new export file's rows to events."""

    def __init__(self, config: FileConfig, context: ConnectorContext) -> None:
        super().__init__(config, context)
        self.poll_interval_s = config.poll_interval.total_seconds()
        self._watch = DirectoryWatch(config.directory, config.pattern)
        self._mapper: RecordMapper | None = None
        self._open: _OpenFile | None = None

    def setup(self) -> None:
        self._mapper = RecordMapper(self.config, self.context.require_pseudonymiser(), self.source)
        if not self.config.directory.is_dir():
            raise PermanentError(f"directory {self.config.directory} does not exist or is not a directory")

    def poll(self, checkpoint: Checkpoint | None) -> Batch:
        progress = Progress.load(checkpoint)
        try:
            ready = self._watch.ready()
        except OSError as exc:
            raise TransientError(f"cannot list {self.config.directory}: {exc.strerror or exc}") from exc
        done = set(progress.done)
        pending = [c for c in ready if c.sha256 not in done]
        had_current = progress.current is not None
        target = self._target(progress, pending)
        if target is None:
            self._close()
            # A file in progress that went away is forgotten (saved, so the warning is given once).
            return Batch((), progress.dump() if had_current else None, more=False)
        current = progress.current
        assert current is not None  # noqa: S101 - _target sets it
        try:
            opened = self._reader_at(target, current.row)
        except (FileNotFoundError, IsADirectoryError) as exc:
            raise TransientError(f"{target.path.name} went away while it was read") from exc
        except OSError as exc:
            raise TransientError(f"cannot read {target.path.name}: {exc.strerror or exc}") from exc
        except (HeaderProblem, MissingColumns) as exc:
            log.warning("connector %s: %s rejected: %s", self.config.name, target.path.name, exc)
            reject = Reject(
                "missing_column" if isinstance(exc, MissingColumns) else "unreadable_header",
                str(exc),
                {"columns": exc.columns} if isinstance(exc, MissingColumns) else {},
                f"{target.path.name}:header",
            )
            progress.finish(target.sha256, self.config.remember_files)
            return Batch([reject], progress.dump(), more=True)
        outcomes, at_end = self._read(opened, target.path.name)
        if at_end:
            self._close()
            progress.finish(target.sha256, self.config.remember_files)
        else:
            progress.current = InProgress(current.sha256, current.name, opened.reader.position)
        return Batch(outcomes, progress.dump(), more=True)

    def committed(self, checkpoint: Checkpoint | None) -> None:
        """With `on_done: move`, move the files that the saved checkpoint counts as done."""
        if self.config.on_done != "move" or checkpoint is None:
            return
        done = set(Progress.load(checkpoint).done)
        try:
            ready = self._watch.ready()
        except OSError as exc:
            log.warning("connector %s: cannot list %s: %s", self.config.name, self.config.directory, exc)
            return
        self._move_finished([c for c in ready if c.sha256 in done])

    def _target(self, progress: Progress, pending: list[Candidate]) -> Candidate | None:
        """The file to read now: the one in progress, else the oldest pending one (set as in progress)."""
        current = progress.current
        if current is not None:
            for candidate in pending:
                if candidate.sha256 == current.sha256:
                    return candidate
            log.warning(
                "connector %s: %s, in progress at row %d, is gone or changed; its other rows are not read",
                self.config.name,
                current.name,
                current.row,
            )
            progress.current = None
        if not pending:
            return None
        progress.current = InProgress(pending[0].sha256, pending[0].path.name, 0)
        return pending[0]

    def _reader_at(self, target: Candidate, row: int) -> _OpenFile:
        opened = self._open
        if opened is not None and opened.sha256 == target.sha256 and opened.reader.position == row:
            return opened
        self._close()
        assert self._mapper is not None  # noqa: S101 - setup ran
        reader = ExportReader(target.path, self.config.format, self.config.csv)
        try:
            mapper = self._mapper.bind(reader.header)
            reader.skip(row)
        except BaseException:
            reader.close()
            raise
        self._open = _OpenFile(target.sha256, reader, mapper)
        return self._open

    def _read(self, opened: _OpenFile, name: str) -> tuple[list[Outcome], bool]:
        rows, at_end = opened.reader.read(self.config.batch_rows)
        mapper = opened.mapper
        outcomes: list[Outcome] = []
        append = outcomes.append
        for item in rows:
            position = f"{name}:row {item.number}"
            if item.reason:
                append(Reject(item.reason, item.message, item.record, position))
                continue
            try:
                append(Emit(mapper.map(item.row), position))
            except BadRecord as bad:
                append(Reject(bad.reason, bad.message, mapper.scrub(item.row), position, bad.field))
        return outcomes, at_end

    def _move_finished(self, finished: list[Candidate]) -> None:
        for candidate in finished:
            try:
                moved = self._watch.move_done(candidate.path, candidate.sha256)
            except OSError as exc:
                log.warning("connector %s: cannot move %s: %s", self.config.name, candidate.path.name, exc)
                continue
            log.info("connector %s: %s done, moved to %s", self.config.name, candidate.path.name, moved)

    def _close(self) -> None:
        if self._open is not None:
            self._open.reader.close()
            self._open = None

    def stop(self) -> None:
        self._close()
