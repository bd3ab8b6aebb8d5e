"""`kind: sql`: polls a partner database through SQLAlchemy, in watermark order, and maps rows to events.

    name: woco-huurachterstand
    kind: sql
    org: woco
    pseudonymisation: {key_env: WIJKBRUG_PSEUDONYM_KEY}
    url_env: WOCO_DATABASE_URL             # the SQLAlchemy URL (a secret: read from the environment)
    query: "SELECT id, vbo_id, bedrag, buurtcode, updated_at FROM achterstanden"
    watermark: {column: updated_at, tiebreaker: id}
    batch_rows: 1000
    poll_interval: 30s
    mapping:                                # the same declarative mapping as `kind: file`
      type: housing.arrears.signalled
      time: {column: updated_at}
      subject: {column: vbo_id, pseudonym: hh}
      buurt: {column: buurtcode}
      data: {amount_eur: {column: bedrag, type: number}}

The query is wrapped and paged in (watermark, tiebreaker) order with bound parameters
(`connectors.kinds.sql_query`); each page runs in a transaction that is rolled back, so the connector
never writes to the partner's database. The checkpoint is the (watermark, tiebreaker) of the last row of
the page, saved once the page is delivered: a restart resumes after it and re-emits nothing, and rows
with equal watermarks split over two pages are neither lost nor doubled. A row must get a new watermark
value when it changes (a trigger-maintained `updated_at`); rows committed later with an older watermark
than the checkpoint are not seen (keep the watermark set at commit, or query with a safety lag).

Event ids: without `mapping.id`, the id is `sql-<name>-<tiebreaker>-<watermark>` (SHA-256 when longer
than 256 characters): re-reading a row gives the same id (the hub keeps one copy), while a row updated
later (a new watermark) is a new version and comes again as a new event. With `mapping.id` the template
decides; include the watermark column in it if updated rows should come again (the hub refuses a known id
with other content). Watermark and tiebreaker columns must not be pseudonymised columns: they end up in
checkpoints and ids.

Errors: a missing `url_env` variable or an unusable URL is a configuration error (the URL is never logged
or shown); a query the database refuses (syntax, unknown table or column) is permanent; connection
failures, timeouts and a locked database are transient and retried.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping as MappingOf
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal, cast
from uuid import UUID

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import Engine, create_engine
from sqlalchemy.exc import (
    ArgumentError,
    DatabaseError,
    DBAPIError,
    DisconnectionError,
    InterfaceError,
    NoSuchModuleError,
    OperationalError,
    ProgrammingError,
    SQLAlchemyError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from connectors.base import ConnectorContext, SourceConnector
from connectors.config import ConnectorConfig, EnvName
from connectors.errors import ConfigError, PermanentError, TransientError
from connectors.kinds.file_config import Column, FileConfig, Interval, Mapping, PseudonymKind
from connectors.kinds.file_mapping import BadRecord, BoundMapper, RecordMapper
from connectors.kinds.sql_query import (
    UnsupportedValueError,
    checkpoint_of,
    clean_query,
    page_statement,
    parameters_of,
    probe_statement,
)
from connectors.model import Batch, Checkpoint, Emit, Outcome, Reject

ID_PREFIX = "sql-"
MAX_ID_LENGTH = 256
MAX_POSITION_LENGTH = 200
#: Messages of SQLite's OperationalError that mean the statement is wrong, not the connection.
_BAD_STATEMENT = re.compile(r"no such (table|column|function)|syntax error|ambiguous column", re.IGNORECASE)


def _pseudonymise(value: Any) -> Any:
    return {column: "hh" for column in value} if isinstance(value, list) else value


class Watermark(BaseModel):
    """The column that orders rows by change, and the unique column that breaks ties."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    column: Column
    tiebreaker: Column


class SqlConfig(ConnectorConfig):
    """`kind: sql`: a SELECT on a partner database, read in watermark order."""

    kind: Literal["sql"]
    url_env: EnvName
    query: Annotated[str, Field(min_length=1, max_length=100_000)]
    watermark: Watermark
    batch_rows: Annotated[int, Field(ge=1, le=100_000)] = 1000
    poll_interval: Interval = timedelta(seconds=30)
    pseudonymise: Annotated[dict[Column, PseudonymKind], BeforeValidator(_pseudonymise)] = Field(
        default_factory=dict
    )
    mapping: Mapping

    @field_validator("query")
    @classmethod
    def _one_select(cls, value: str) -> str:
        clean_query(value)
        return value

    @model_validator(mode="after")
    def _consistent(self) -> SqlConfig:
        if self.pseudonymisation is None:
            raise ValueError("pseudonymisation: required (the subject is a keyed pseudonym)")
        if self.watermark.column == self.watermark.tiebreaker:
            raise ValueError("watermark.tiebreaker: must be another column than watermark.column")
        for field, column in (("column", self.watermark.column), ("tiebreaker", self.watermark.tiebreaker)):
            if column in self.secret_columns:
                raise ValueError(
                    f"watermark.{field}: {column} is pseudonymised; it would end up in checkpoints"
                )
        if self.mapping.id is not None:
            for column in self.mapping.id.columns:
                if column in self.secret_columns:
                    raise ValueError(
                        f"mapping.id.template: {{{column}}} is a pseudonymised column; an id never carries it"
                    )
        return self

    @property
    def secret_columns(self) -> dict[str, PseudonymKind]:
        """Every column whose raw value must not leave: the subject's and the `pseudonymise` ones."""
        subject = {column: self.mapping.subject.pseudonym for column in self.mapping.subject.columns}
        return {**subject, **self.pseudonymise}


class SqlConnector(SourceConnector[SqlConfig]):
    """Reads pages of the configured query after the checkpoint and maps each row to an event."""

    def __init__(self, config: SqlConfig, context: ConnectorContext) -> None:
        super().__init__(config, context)
        self.poll_interval_s = config.poll_interval.total_seconds()
        self._engine: Engine | None = None
        self._mapper: BoundMapper | None = None
        wm = config.watermark
        self._first = page_statement(config.query, wm.column, wm.tiebreaker, resume=False)
        self._next = page_statement(config.query, wm.column, wm.tiebreaker, resume=True)

    def setup(self) -> None:
        pseudonymiser = self.context.require_pseudonymiser()
        # RecordMapper reads only `mapping`, `secret_columns` and `pseudonymise`, which SqlConfig has too.
        mapper = RecordMapper(cast(FileConfig, self.config), pseudonymiser, self.source)
        self._mapper = mapper.bind(None)
        if self._engine is None:  # setup is retried after a transient failure
            self._engine = self._create_engine()
        self._check_query()

    def _check_query(self) -> None:
        """Run the query without rows, so that a refused query or a missing column shows at once."""
        engine = self._engine
        if engine is None:
            raise RuntimeError("setup() opens the database")
        try:
            with engine.connect() as connection:
                columns = set(connection.execute(probe_statement(self.config.query)).keys())
        except SQLAlchemyError as exc:
            raise self._classify(exc) from exc
        self._keys({column: None for column in columns})
        self._fetch(self._first, {"n": 0})

    def stop(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def poll(self, checkpoint: Checkpoint | None) -> Batch:
        if checkpoint:
            try:
                parameters = parameters_of(checkpoint)
            except (KeyError, ValueError) as exc:
                raise PermanentError(f"the checkpoint is not a sql checkpoint ({exc}): reset it") from exc
            rows = self._fetch(self._next, {**parameters, "n": self.config.batch_rows})
        else:
            rows = self._fetch(self._first, {"n": self.config.batch_rows})
        if not rows:
            return Batch()
        outcomes = [self._outcome(row) for row in rows]
        last = rows[-1]
        try:
            position = checkpoint_of(*self._keys(last))
        except UnsupportedValueError as exc:
            raise PermanentError(f"{self.context.file}: watermark: {exc}") from exc
        return Batch(outcomes=outcomes, checkpoint=position, more=len(rows) >= self.config.batch_rows)

    def _create_engine(self) -> Engine:
        file = self.context.file
        url = os.environ.get(self.config.url_env)
        if not url:
            raise ConfigError(file, "url_env", f"environment variable {self.config.url_env} is not set")
        try:
            return create_engine(url, pool_pre_ping=True)
        except NoSuchModuleError as exc:
            raise ConfigError(
                file,
                "url_env",
                f"the URL in {self.config.url_env} names a database driver that is not installed",
            ) from exc
        except (ArgumentError, ValueError) as exc:
            raise ConfigError(
                file, "url_env", f"the value of {self.config.url_env} is not a SQLAlchemy database URL"
            ) from exc

    def _fetch(self, statement: Any, parameters: dict[str, Any]) -> list[dict[str, Any]]:
        engine = self._engine
        if engine is None:
            raise RuntimeError("setup() opens the database")
        try:
            with engine.connect() as connection:  # not committed: rolled back when closed
                result = connection.execute(statement, parameters)
                return [dict(row) for row in result.mappings()]
        except SQLAlchemyError as exc:
            raise self._classify(exc) from exc

    def _classify(self, exc: SQLAlchemyError) -> TransientError | PermanentError:
        cause = exc.orig if isinstance(exc, DBAPIError) else exc
        detail = f"{type(cause).__name__}: {str(cause).splitlines()[0] if str(cause) else ''}"
        if isinstance(exc, OperationalError) and not _BAD_STATEMENT.search(str(cause)):
            return TransientError(f"the database is unavailable ({detail})")
        if isinstance(exc, InterfaceError | DisconnectionError | PoolTimeoutError):
            return TransientError(f"the database is unavailable ({detail})")
        if isinstance(exc, ProgrammingError | OperationalError | DatabaseError):
            return PermanentError(f"{self.context.file}: query: the database refused the query ({detail})")
        return PermanentError(f"{self.context.file}: query: {detail}")

    def _keys(self, row: MappingOf[str, Any]) -> tuple[Any, Any]:
        wm = self.config.watermark
        for field, column in (("column", wm.column), ("tiebreaker", wm.tiebreaker)):
            if column not in row:
                raise PermanentError(
                    f"{self.context.file}: watermark.{field}: the query returns no column {column}"
                )
        return row[wm.column], row[wm.tiebreaker]

    def _outcome(self, row: dict[str, Any]) -> Outcome:
        mapper = self._mapper
        if mapper is None:
            raise RuntimeError("setup() builds the mapping")
        watermark, tiebreaker = self._keys(row)
        wm_text, tb_text = _text(watermark), _text(tiebreaker)
        wm = self.config.watermark
        position = f"{wm.column}={wm_text},{wm.tiebreaker}={tb_text}"[:MAX_POSITION_LENGTH]
        values = {column: _plain(value) for column, value in row.items()}
        try:
            event = mapper.map(values)
        except BadRecord as exc:
            return Reject(exc.reason, exc.message, mapper.scrub(values), position, field=exc.field)
        if self.config.mapping.id is None:
            event["id"] = _default_id(self.config.name, tb_text, wm_text)
        return Emit(event, position)


def _default_id(name: str, tiebreaker: str, watermark: str) -> str:
    """`sql-<name>-<tiebreaker>-<watermark>`, or its SHA-256 when too long or unprintable."""
    text = f"{ID_PREFIX}{name}-{tiebreaker}-{watermark}"
    if len(text) <= MAX_ID_LENGTH and text.isprintable():
        return text
    return f"{ID_PREFIX}{name}-{hashlib.sha256(text.encode('utf-8')).hexdigest()}"


def _text(value: Any) -> str:
    """A watermark or tiebreaker value as text (ISO 8601 for times)."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def _plain(value: Any) -> Any:
    """A database value as the mapping reads export cells: times and dates as ISO text, decimals as floats."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, UUID):
        return str(value)
    return value
