"""The declarative column mapping of a file connector, compiled: one export record -> one CloudEvent.

`RecordMapper` is built once from the configuration; `bind(header)` fixes where each column is (the CSV
header of one file, or None for JSON Lines records, where a column is a key or a dotted path into nested
objects). A record that cannot become an event raises `BadRecord` with a reason code, the mapping field
and a message that never repeats the value of a pseudonymised column.

Event ids: with `id.template` the id is built from the record's own columns (`vera-{signalering_id}`), so
the same record in a re-export gets the same id and the hub keeps one copy. Without a template the id is
`file-` + 32 hex of the SHA-256 of the mapped event's content (type, time, subject, buurt, data): the same
row again (in a re-export, another file, another position) gets the same id too, but two records that map
to identical events are taken as one. Positions (file hash + row number) are deliberately not used: a
re-export that shifts rows would give every record a new id and double it downstream.
"""

from __future__ import annotations

import hashlib
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from connectors.kinds.file_config import (
    SEPARATOR,
    TEMPLATE_FIELD,
    WILDCARD,
    FieldSpec,
    FileConfig,
    PseudonymKind,
)
from connectors.kinds.file_values import BadValue, date_reader, number_reader, read_int, time_reader
from connectors.pseudonym import Pseudonymiser

Row = Any
"""A CSV row (list of strings) or a JSON Lines record (dict)."""
Getter = Callable[[Row], Any]
CONTENT_ID_PREFIX = "file-"
CONTENT_ID_CHARS = 32
MAX_ID_LENGTH = 256


class BadRecord(Exception):
    """A record that cannot become an event."""

    def __init__(self, reason: str, field: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.field = field
        self.message = message


class MissingColumns(Exception):
    """A CSV header without columns that the mapping reads."""

    def __init__(self, columns: Sequence[str]) -> None:
        super().__init__(f"the header has no column(s) {', '.join(columns)}")
        self.columns = list(columns)


@dataclass(frozen=True)
class _Field:
    name: str
    column: str | None
    constant: Any
    read: Callable[[Any], Any]
    value_map: dict[str, Any] | None


class RecordMapper:
    """The mapping of a configuration, with its pseudonymiser and the organisation's source."""

    def __init__(self, config: FileConfig, pseudonymiser: Pseudonymiser, source: str) -> None:
        self._config = config
        self._mapping = config.mapping
        self._pseudonymiser = pseudonymiser
        self._source = source
        self._secrets: dict[str, PseudonymKind] = config.secret_columns
        mapping = self._mapping
        self._read_time = time_reader(mapping.time.format, mapping.time.timezone)
        self._fields: dict[str, list[_Field]] = {}
        for event_type in mapping.event_types:
            model_fields = event_type.data_model.model_fields
            self._fields[event_type.name] = [
                self._field(name, spec) for name, spec in mapping.data.items() if name in model_fields
            ]
        self._required: dict[str, frozenset[str]] = {
            t.name: frozenset(n for n, info in t.data_model.model_fields.items() if info.is_required())
            for t in mapping.event_types
        }
        self._read_coordinate = number_reader(mapping.location.decimal if mapping.location else ".")

    def _field(self, name: str, spec: FieldSpec) -> _Field:
        read: Callable[[Any], Any]
        if spec.column is not None and spec.column in self._secrets:
            kind = self._secrets[spec.column]
            read = lambda value: self._pseudonymiser.pseudonym(kind, _text(value))  # noqa: E731
        elif spec.type == "int":
            read = read_int
        elif spec.type == "number":
            read = number_reader(spec.decimal)
        elif spec.type == "date":
            read = date_reader(spec.format)
        else:
            read = _text
        return _Field(name, spec.column, spec.value, read, spec.map)

    def columns(self) -> list[str]:
        """Every column the mapping reads, in a stable order."""
        m = self._mapping
        names: list[str] = []
        if m.type_from is not None:
            names += m.type_from.columns
        if m.id is not None:
            names += m.id.columns
        names += m.time.columns
        names += m.subject.columns
        if m.buurt is not None and m.buurt.column is not None:
            names.append(m.buurt.column)
        if m.location is not None:
            names += [m.location.lat, m.location.lon]
        names += [spec.column for spec in m.data.values() if spec.column is not None]
        return list(dict.fromkeys(names))

    def bind(self, header: Sequence[str] | None) -> BoundMapper:
        """The mapper for rows laid out as `header` (CSV), or for JSON records (None).

        The getters cover the columns the mapping reads and the `pseudonymise` columns (which only the
        dead-letter record shows, as pseudonyms); a CSV header may lack the latter.
        """
        extra = [column for column in self._config.pseudonymise if column not in self.columns()]
        if header is None:
            getters = {column: _key_getter(column) for column in [*self.columns(), *extra]}
        else:
            positions = {name.strip(): index for index, name in enumerate(header)}
            missing = [column for column in self.columns() if column not in positions]
            if missing:
                raise MissingColumns(missing)
            present = [*self.columns(), *(column for column in extra if column in positions)]
            getters = {column: _index_getter(positions[column]) for column in present}
        return BoundMapper(self, getters)


class BoundMapper:
    """A RecordMapper for one layout of rows, compiled into closures (a mapper handles millions of rows)."""

    def __init__(self, mapper: RecordMapper, getters: dict[str, Getter]) -> None:
        self._m = mapper
        self._get = getters
        mapping = mapper._mapping
        self._fixed_type = mapping.type
        type_from = mapping.type_from
        self._type_readers = (
            [self._string_reader(c, "mapping.type_from") for c in type_from.columns] if type_from else []
        )
        self._type_map = type_from.map if type_from else {}
        self._time_readers = [
            (getters[c], self._reader(c, "mapping.time", mapper._read_time)) for c in mapping.time.columns
        ]
        location = mapping.location
        self._location = (
            (
                self._reader(location.lat, "mapping.location.lat", mapper._read_coordinate),
                self._reader(location.lon, "mapping.location.lon", mapper._read_coordinate),
            )
            if location is not None
            else None
        )
        subject = mapping.subject
        self._subject_readers = [self._string_reader(c, "mapping.subject") for c in subject.columns]
        self._subject_kind: PseudonymKind = subject.pseudonym
        self._point = subject.point
        buurt = mapping.buurt
        self._buurt_value = buurt.value if buurt is not None else None
        self._buurt_reader = (
            self._string_reader(buurt.column, "mapping.buurt")
            if buurt is not None and buurt.column is not None
            else None
        )
        self._data = {
            name: [self._data_reader(spec, spec.name in mapper._required[name]) for spec in specs]
            for name, specs in mapper._fields.items()
        }
        self._id_parts: list[str | Callable[[Row], str]] | None = None
        if mapping.id is not None:
            template = mapping.id.template
            parts: list[str | Callable[[Row], str]] = []
            last = 0
            for match in TEMPLATE_FIELD.finditer(template):
                parts.append(template[last : match.start()])
                parts.append(self._string_reader(match.group(1), "mapping.id"))
                last = match.end()
            parts.append(template[last:])
            self._id_parts = [part for part in parts if part != ""]

    def _string_reader(self, column: str, field: str) -> Callable[[Row], str]:
        get = self._get[column]

        def read(row: Row) -> str:
            value = get(row)
            if value is None or value == "":
                raise BadRecord("missing_value", field, f"column {column} is empty or missing")
            if isinstance(value, str):
                text = value.strip()
                if not text:
                    raise BadRecord("missing_value", field, f"column {column} is blank")
                return text
            try:
                return _text(value)
            except BadValue as exc:
                raise BadRecord(exc.reason, field, f"column {column} {exc.message}") from None

        return read

    def _reader(self, column: str, field: str, parse: Callable[[Any], Any]) -> Callable[[Row], Any]:
        get = self._get[column]

        def read(row: Row) -> Any:
            value = get(row)
            if value is None or value == "":
                raise BadRecord("missing_value", field, f"column {column} is empty or missing")
            try:
                return parse(value)
            except BadValue as exc:
                raise BadRecord(exc.reason, field, f"column {column} {exc.message}") from None

        return read

    def _data_reader(self, spec: _Field, required: bool) -> tuple[str, Callable[[Row], Any]]:
        """(field name, a reader that returns the value, or None to leave the field out)."""
        name, column, parse, value_map = spec.name, spec.column, spec.read, spec.value_map
        field = f"mapping.data.{name}"
        if column is None:
            constant = spec.constant
            return name, lambda row: constant
        get = self._get[column]

        def read(row: Row) -> Any:
            raw = get(row)
            if raw is None or raw == "":
                if required:
                    raise BadRecord("missing_value", field, f"column {column} is empty or missing")
                return None
            if value_map is not None:
                code = raw.strip() if isinstance(raw, str) else str(raw)
                if code not in value_map:
                    shown = repr(code[:100])
                    raise BadRecord(
                        "unmapped_value", field, f"value {shown} of column {column} is not mapped"
                    )
                return value_map[code]
            try:
                return parse(raw)
            except BadValue as exc:
                raise BadRecord(exc.reason, field, f"column {column} {exc.message}") from None

        return name, read

    def map(self, row: Row) -> dict[str, Any]:
        """The CloudEvent of `row`; raises BadRecord."""
        event_type = self._fixed_type or self._type(row)
        time = self._time(row)
        data: dict[str, Any] = {}
        if self._location is not None:
            data["location"] = {"lat": self._location[0](row), "lon": self._location[1](row)}
        pseudonymiser = self._m._pseudonymiser
        if self._point:
            subject = pseudonymiser.point(data["location"]["lat"], data["location"]["lon"])
        else:
            values = [read(row) for read in self._subject_readers]
            subject = pseudonymiser.pseudonym(self._subject_kind, " ".join(values))
        for name, read in self._data[event_type]:
            value = read(row)
            if value is not None:
                data[name] = value
        event: dict[str, Any] = {
            "specversion": "1.0",
            "id": "",
            "source": self._m._source,
            "type": event_type,
            "time": time,
            "subject": subject,
        }
        if self._buurt_reader is not None:
            event["buurt"] = self._buurt_reader(row).upper()
        elif self._buurt_value is not None:
            event["buurt"] = self._buurt_value
        event["data"] = data
        event["id"] = self._id(row, event)
        return event

    def _type(self, row: Row) -> str:
        codes = [read(row).upper() for read in self._type_readers]
        key = SEPARATOR.join(codes)
        type_map = self._type_map
        found = type_map.get(key)
        for end in range(len(codes) - 1, 0, -1):
            if found is not None:
                break
            found = type_map.get(SEPARATOR.join([*codes[:end], WILDCARD]))
        if found is None:
            found = type_map.get(WILDCARD)
        if found is None:
            raise BadRecord(
                "unmapped_code", "mapping.type_from", f"code {key[:100]!r} is not in type_from.map"
            )
        return found

    def _time(self, row: Row) -> str:
        readers = self._time_readers
        for get, read in readers[:-1]:
            value = get(row)
            if value is not None and value != "":
                return str(read(row))
        return str(readers[-1][1](row))

    def _id(self, row: Row, event: dict[str, Any]) -> str:
        parts = self._id_parts
        if parts is None:
            content = [event["type"], event["time"], event["subject"], event.get("buurt"), event["data"]]
            digest = hashlib.sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS)).hexdigest()
            return CONTENT_ID_PREFIX + digest[:CONTENT_ID_CHARS]
        text = "".join(part if isinstance(part, str) else part(row) for part in parts)
        if len(text) > MAX_ID_LENGTH or not text.isprintable():
            raise BadRecord(
                "invalid_id", "mapping.id", f"the id is longer than {MAX_ID_LENGTH} or unprintable"
            )
        return text

    def scrub(self, row: Row) -> dict[str, Any]:
        """The columns the mapping reads, for a dead-letter record; pseudonymised ones as their pseudonyms.

        Columns that the mapping does not read are left out: an export may carry columns (names, notes)
        that nobody configured as identifying.
        """
        record: dict[str, Any] = {}
        for column, get in self._get.items():
            value = get(row)
            kind = self._m._secrets.get(column)
            if kind is not None and value not in (None, ""):
                try:
                    value = self._m._pseudonymiser.pseudonym(kind, _text(value))
                except (ValueError, BadValue):
                    value = None
            record[column] = value
        return record


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadValue("invalid_text", "is not a text or number")
    return str(value)


def _index_getter(index: int) -> Getter:
    """A CSV column (the reader passes only rows as wide as the header)."""
    return operator.itemgetter(index)


def _key_getter(column: str) -> Getter:
    path = column.split(".")

    def get(row: Row) -> Any:
        value = row.get(column)
        if value is not None or len(path) == 1:
            return value
        node: Any = row
        for part in path:
            if not isinstance(node, dict):
                return None
            node = node.get(part)
        return node

    return get
