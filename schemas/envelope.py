"""The CloudEvents 1.0 envelope of the v1 event contract (JSON structured mode)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from schemas.fields import Buurtcode, EventTypeName, Source, Subject
from schemas.identifiers import SOURCE_PREFIX, TRACEPARENT_RE
from schemas.timestamps import Rfc3339Time, format_rfc3339

ID_MAX_LENGTH = 256
TRACESTATE_MAX_LENGTH = 512
DATASCHEMA_MAX_LENGTH = 2048

ACCEPTED_ATTRIBUTES = frozenset(
    {
        "specversion",
        "id",
        "source",
        "type",
        "time",
        "subject",
        "buurt",
        "traceparent",
        "tracestate",
        "datacontenttype",
        "dataschema",
        "data",
    }
)


def _check_id(value: str) -> str:
    if not value.isprintable() or not value.strip():
        raise PydanticCustomError("event_id", "must consist of printable characters and not only whitespace")
    return value


def _check_traceparent(value: str) -> str:
    version, trace_id, parent_id, _flags = value.split("-")
    if version == "ff" or trace_id == "0" * 32 or parent_id == "0" * 16:
        raise PydanticCustomError(
            "traceparent", "must not have version ff or an all-zero trace-id or parent-id"
        )
    return value


EventId = Annotated[str, Field(min_length=1, max_length=ID_MAX_LENGTH), AfterValidator(_check_id)]
Traceparent = Annotated[str, Field(pattern=TRACEPARENT_RE.pattern), AfterValidator(_check_traceparent)]
Tracestate = Annotated[str, Field(max_length=TRACESTATE_MAX_LENGTH, pattern=r"^[\x20-\x7e]*$")]


class CloudEvent(BaseModel):
    """A wijkbrug CloudEvent.

    Membership of ``type`` in the catalogue and the payload are checked by ``schemas.validation``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    specversion: Literal["1.0"]
    id: EventId
    source: Source
    type: EventTypeName
    time: Rfc3339Time
    subject: Subject
    buurt: Buurtcode | None = None
    traceparent: Traceparent | None = None
    tracestate: Tracestate | None = None
    datacontenttype: Literal["application/json"] | None = None
    dataschema: Annotated[str, Field(min_length=1, max_length=DATASCHEMA_MAX_LENGTH)] | None = None
    data: dict[str, Any]

    @property
    def org_slug(self) -> str:
        """The slug of the publishing organisation, taken from ``source``."""
        return self.source.removeprefix(SOURCE_PREFIX)

    def wire_attributes(self) -> dict[str, Any]:
        """The canonical JSON-able attributes without ``data``: ``time`` in RFC 3339 ``Z`` form, absent
        attributes omitted, in field order.

        What ``model_dump(mode="json", exclude_none=True, exclude={"data"})`` returns (every attribute but
        ``time`` is a string), built directly: a connector calls this for every row it reads, and the
        serializer's general path costs several times more.
        """
        wire = {name: value for name, value in self.__dict__.items() if value is not None}
        del wire["data"]
        wire["time"] = format_rfc3339(self.time)
        return wire

    def to_wire(self) -> dict[str, Any]:
        """The canonical JSON-able form: `wire_attributes` and ``data`` as it came."""
        wire = self.wire_attributes()
        wire["data"] = self.model_dump(mode="json", include={"data"})["data"]
        return wire
