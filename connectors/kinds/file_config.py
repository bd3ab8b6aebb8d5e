"""The configuration of a `kind: file` connector: the watched directory and the declarative column mapping.

```yaml
name: woco-vera
kind: file
org: woco
pseudonymisation: {key_env: WIJKBRUG_PSEUDONYM_KEY}
directory: /srv/exports/vera          # watched; finished files optionally go to its done/ subdirectory
pattern: "signaleringen-*.csv"        # glob, default "*"
format: csv                           # or jsonl (one JSON object per line)
csv: {delimiter: ";", encoding: utf-8-sig}
poll_interval: 30s                    # seconds (30, "30s") or a duration ("5m", "1h", "PT5M")
batch_rows: 5000                      # rows per poll (and per delivery to the hub)
on_done: keep                         # or move (to <directory>/done/ once the checkpoint has it)
pseudonymise: [huurder_naam]          # other identifying columns: only ever read as pseudonyms
mapping:
  type_from:                          # or `type: housing.arrears.signalled` for every row
    columns: [soort, detail]          # joined with "/"; "OVE/*" matches any detail of OVE
    map: {SCH/BET: housing.arrears.signalled, SCH/DEU: housing.eviction.summoned,
          OVE/*: housing.nuisance.reported}
  id: {template: "vera-{signalering_id}"}
  time: {column: datum, format: "%d-%m-%Y"}      # or "iso"; naive times are in Europe/Amsterdam;
                                                   # `columns: [a, b]`: the first non-empty one
  subject: {column: vbo_id, pseudonym: hh}         # or {point: true, pseudonym: loc} with `location`
  buurt: {column: buurtcode}                       # or {value: BU0363AD05}; or/and `location: {lat, lon}`
  data:
    amount_eur: {column: bedrag, type: number, decimal: ","}
    months_in_arrears: {column: maanden, type: int}
    category: {column: detail, map: {GEL: geluid}}
    reason: {value: "ontruiming afgewend"}         # a constant
```

A data field is set only on rows whose type's payload has that field; an empty cell leaves an optional
field out and rejects the row for a required one. Every mapped type is checked against the catalogue
when the file is loaded (its existence, its subject kind, and that each data field belongs to one of them).
"""

from __future__ import annotations

import codecs
import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    field_validator,
    model_validator,
)

from connectors.config import ConnectorConfig
from schemas.catalogue import CATALOGUE, EventType
from schemas.fields import Buurtcode
from schemas.identifiers import TYPE_PREFIX, SubjectKind
from services.rules.durations import parse_duration

PseudonymKind = Literal["hh", "loc", "ini", "cx"]
Column = Annotated[str, Field(min_length=1, max_length=200)]
TEMPLATE_FIELD = re.compile(r"\{([^{}]+)\}")
SEPARATOR = "/"
WILDCARD = "*"
_SECONDS = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*s?\s*$")


def _full_type_name(value: Any) -> Any:
    if isinstance(value, str) and not value.startswith(TYPE_PREFIX):
        return TYPE_PREFIX + value
    return value


def _in_catalogue(value: str) -> str:
    if value not in CATALOGUE:
        raise ValueError(f"type {value!r} is not in catalogue v1")
    return value


TypeName = Annotated[str, BeforeValidator(_full_type_name), AfterValidator(_in_catalogue)]
"""A catalogue type, written in full (`nl.wijkbrug.housing.arrears.signalled`) or without the prefix."""


def _interval(value: Any) -> timedelta:
    """Seconds (a number, "30" or "30s"), or a duration that `parse_duration` reads ("5m", "1h", "PT5M")."""
    if isinstance(value, bool):
        raise ValueError("an interval is a number of seconds or a duration such as 30s or 5m")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and _SECONDS.match(value):
        seconds = float(_SECONDS.match(value).group(1))  # type: ignore[union-attr]
    else:
        return parse_duration(value)
    if seconds <= 0:
        raise ValueError("an interval must be longer than zero")
    return timedelta(seconds=seconds)


Interval = Annotated[timedelta, BeforeValidator(_interval)]


def _one_or_more(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


Columns = Annotated[list[Column], BeforeValidator(_one_or_more), Field(min_length=1)]


class _Columns(BaseModel):
    """`column: X` or `columns: [X, Y]`, normalised to `columns`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    columns: Columns

    @model_validator(mode="before")
    @classmethod
    def _column_alias(cls, value: Any) -> Any:
        if isinstance(value, dict) and "column" in value:
            if "columns" in value:
                raise ValueError("give `column` or `columns`, not both")
            value = {**value, "columns": value["column"]}
            del value["column"]
        return value


class TypeFrom(_Columns):
    """The type from a column's code (or several columns' codes joined with "/"), through `map`."""

    map: Annotated[dict[str, TypeName], Field(min_length=1)]

    @field_validator("map", mode="before")
    @classmethod
    def _upper_codes(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {str(code).strip().upper(): name for code, name in value.items()}
        return value


class IdSpec(BaseModel):
    """`template: "vera-{signalering_id}"`: the event id from the record's own columns."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    template: Annotated[str, Field(min_length=1, max_length=200)]

    @field_validator("template")
    @classmethod
    def _has_fields(cls, value: str) -> str:
        if not TEMPLATE_FIELD.search(value):
            raise ValueError("an id template names at least one {column}")
        return value

    @property
    def columns(self) -> list[str]:
        return TEMPLATE_FIELD.findall(self.template)


class TimeSpec(_Columns):
    """When it happened: a column read as ISO 8601 or with a strptime format; naive values in `timezone`.

    With several `columns` the first non-empty one counts (an iJw summary: `[einddatum, begindatum]`).
    """

    format: Annotated[str, Field(min_length=1)] = "iso"
    timezone: str = "Europe/Amsterdam"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value


class SubjectSpec(BaseModel):
    """The subject: the keyed pseudonym of one or more columns (joined with a space), or of the point."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    columns: list[Column] = Field(default_factory=list)
    pseudonym: PseudonymKind = "hh"
    point: bool = False

    @model_validator(mode="before")
    @classmethod
    def _column_alias(cls, value: Any) -> Any:
        if isinstance(value, dict) and "column" in value:
            value = {**value, "columns": [*_one_or_more(value["column"]), *value.get("columns", [])]}
            del value["column"]
        return value

    @model_validator(mode="after")
    def _one_source(self) -> SubjectSpec:
        if bool(self.columns) == self.point:
            raise ValueError("give the subject's `column`/`columns`, or `point: true` (with `location`)")
        return self


class BuurtSpec(BaseModel):
    """The CBS buurtcode: from a column, or a constant."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    column: Column | None = None
    value: Buurtcode | None = None

    @model_validator(mode="after")
    def _one_source(self) -> BuurtSpec:
        if (self.column is None) == (self.value is None):
            raise ValueError("give `column` or `value`")
        return self


class LocationSpec(BaseModel):
    """A WGS84 point from two columns (decimal degrees); the hub finds its buurt."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    lat: Column
    lon: Column
    decimal: Literal[".", ","] = "."


Constant = StrictStr | StrictBool | StrictInt | StrictFloat


class FieldSpec(BaseModel):
    """One payload field: a column's value (typed, optionally through a value map), or a constant."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    column: Column | None = None
    value: Constant | None = None
    type: Literal["str", "int", "number", "date"] = "str"
    map: dict[str, Constant] | None = None
    format: Annotated[str, Field(min_length=1)] | None = None
    decimal: Literal[".", ","] = "."

    @model_validator(mode="after")
    def _one_source(self) -> FieldSpec:
        if (self.column is None) == (self.value is None):
            raise ValueError("give `column` or a constant `value`")
        if self.format is not None and self.type != "date":
            raise ValueError("`format` is for type date (a strptime format)")
        return self


class Mapping(BaseModel):
    """How a record becomes a catalogue event."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: TypeName | None = None
    type_from: TypeFrom | None = None
    id: IdSpec | None = None
    time: TimeSpec
    subject: SubjectSpec
    buurt: BuurtSpec | None = None
    location: LocationSpec | None = None
    data: dict[str, FieldSpec] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> Mapping:
        if (self.type is None) == (self.type_from is None):
            raise ValueError("give `type` (one type for every row) or `type_from` (a column and a map)")
        if self.buurt is None and self.location is None:
            raise ValueError("give `buurt` (a CBS code) or `location` (lat and lon columns)")
        if self.subject.point and self.location is None:
            raise ValueError("subject.point: needs `location`")
        for event_type in self.event_types:
            if SubjectKind(self.subject.pseudonym) not in event_type.subject_kinds:
                allowed = ", ".join(sorted(kind.value for kind in event_type.subject_kinds))
                raise ValueError(
                    f"subject.pseudonym: {event_type.name} takes a subject of kind {allowed}, "
                    f"not {self.subject.pseudonym}"
                )
        fields = {name for t in self.event_types for name in t.data_model.model_fields if name != "location"}
        for name in self.data:
            if name not in fields:
                known = ", ".join(sorted(fields)) or "-"
                raise ValueError(f"data.{name}: no mapped type has this field; they have {known}")
        return self

    @property
    def event_types(self) -> list[EventType]:
        """Every type a row can become."""
        names = [self.type] if self.type is not None else list(self.type_from.map.values())  # type: ignore[union-attr]
        return [CATALOGUE[name] for name in dict.fromkeys(names) if name is not None]


class CsvOptions(BaseModel):
    """How the CSV files are written."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    delimiter: Annotated[str, Field(min_length=1, max_length=1)] = ","
    quotechar: Annotated[str, Field(min_length=1, max_length=1)] = '"'
    encoding: str = "utf-8-sig"

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        try:
            codecs.lookup(value)
        except LookupError as exc:
            raise ValueError(f"unknown encoding {value!r}") from exc
        return value


def _pseudonymise(value: Any) -> Any:
    if isinstance(value, list):
        return {column: "hh" for column in value}
    return value


class FileConfig(ConnectorConfig):
    """`kind: file`: CSV or JSON Lines exports dropped into a directory, each file done once."""

    kind: Literal["file"]
    directory: Path
    pattern: Annotated[str, Field(min_length=1, max_length=200)] = "*"
    format: Literal["csv", "jsonl"]
    csv: CsvOptions = CsvOptions()
    poll_interval: Interval = timedelta(seconds=30)
    batch_rows: Annotated[int, Field(ge=1, le=100_000)] = 5000
    on_done: Literal["keep", "move"] = "keep"
    remember_files: Annotated[int, Field(ge=1, le=1_000_000)] = 10_000
    pseudonymise: Annotated[dict[Column, PseudonymKind], BeforeValidator(_pseudonymise)] = Field(
        default_factory=dict
    )
    mapping: Mapping

    @field_validator("pattern")
    @classmethod
    def _plain_glob(cls, value: str) -> str:
        if "/" in value or "\\" in value or value.startswith(".."):
            raise ValueError("a pattern matches file names in the directory itself (no path separators)")
        return value

    @model_validator(mode="after")
    def _needs_key(self) -> FileConfig:
        if self.pseudonymisation is None:
            raise ValueError("pseudonymisation: required (the subject is a keyed pseudonym)")
        secret = self.secret_columns
        mapping = self.mapping
        plain = [("mapping.time.columns", column) for column in mapping.time.columns]
        if mapping.id is not None:
            plain += [("mapping.id.template", column) for column in mapping.id.columns]
        if mapping.type_from is not None:
            plain += [("mapping.type_from.columns", column) for column in mapping.type_from.columns]
        if mapping.buurt is not None and mapping.buurt.column is not None:
            plain.append(("mapping.buurt.column", mapping.buurt.column))
        if mapping.location is not None:
            plain += [("mapping.location", mapping.location.lat), ("mapping.location", mapping.location.lon)]
        for field, column in plain:
            if column in secret:
                raise ValueError(
                    f"{field}: {column} is a pseudonymised column; it is read only as a pseudonym"
                )
        for name, spec in mapping.data.items():
            if spec.column in secret and (spec.type != "str" or spec.map is not None):
                raise ValueError(
                    f"mapping.data.{name}: {spec.column} is a pseudonymised column; it is read only as a "
                    "pseudonym (type str, no map)"
                )
        return self

    @property
    def secret_columns(self) -> dict[str, PseudonymKind]:
        """Every column whose raw value must not leave: the subject's and the `pseudonymise` ones."""
        subject = {column: self.mapping.subject.pseudonym for column in self.mapping.subject.columns}
        return {**subject, **self.pseudonymise}
