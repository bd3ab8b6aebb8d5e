"""The configuration of a `kind: zgw-notificaties` connector: the callback's secret and the mapping table.

```yaml
name: zgw-gemeente
kind: zgw-notificaties
org: gemeente
pseudonymisation: {key_env: WIJKBRUG_PSEUDONYM_KEY}
auth_env: ZGW_CALLBACK_AUTH          # holds e.g. "Bearer 3f1c...", sent verbatim by the NRC
unmapped: dead-letter                # or "ignore": notifications no entry maps are dropped silently
mapping:
  - kanaal: zaken
    zaaktype: https://zaken.example.nl/catalogi/api/v1/zaaktypen/5aa5c   # omit or "*": any zaaktype
    resource: status
    actie: create
    when: {statustype: https://zaken.example.nl/catalogi/api/v1/statustypen/verleend}
    type: municipality.permit.decided
    subject: {kind: ini}             # default: the ini: pseudonym of hoofdObject; or {kind: ini, kenmerk: X}
    buurt: BU0363AD05                # a constant CBS buurtcode, and/or
    buurt_kenmerk: buurtcode         # a kenmerk holding one (it wins when present)
    data:
      permit_id: {id_of: hoofdObject}   # the last path segment of the zaak URL
      outcome: granted                  # a constant: the notification carries no outcome
      initiative_id: {kenmerk: initiatief, optional: true}
```

Entries are tried in order; the first whose kanaal, resource, actie, zaaktype (the `zaaktype` kenmerk) and
every `when` kenmerk match decides. Each entry is checked against the catalogue when the file is loaded:
the type must exist, the subject kind must be one the type allows, the data keys must be fields of the
type's payload and its required fields must be given.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    model_validator,
)

from connectors.config import ConnectorConfig, EnvName
from schemas.catalogue import CATALOGUE, EventType
from schemas.fields import Buurtcode
from schemas.identifiers import TYPE_PREFIX, SubjectKind

Actie = Literal["create", "update", "partial_update", "destroy"]
KenmerkName = Annotated[str, Field(min_length=1, max_length=100)]
UrlField = Literal["hoofdObject", "resourceUrl"]
ANY = "*"


class FromKenmerk(BaseModel):
    """`{kenmerk: NAME}`: the value of a kenmerk of the notification (`optional`: leave the field out
    when the kenmerk is absent; otherwise the notification is dead-lettered)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kenmerk: KenmerkName
    optional: bool = False


class IdOf(BaseModel):
    """`{id_of: hoofdObject|resourceUrl}`: the last path segment of that URL (a zaak's uuid)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id_of: UrlField


DataValue = StrictStr | StrictBool | StrictInt | StrictFloat | FromKenmerk | IdOf
"""A payload field: a constant, or where in the notification its value is."""


class SubjectSpec(BaseModel):
    """The subject: the keyed pseudonym (of `kind`) of hoofdObject, or of a kenmerk's value."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["ini", "loc", "hh", "cx"] = "ini"
    kenmerk: KenmerkName | None = None


class MappingEntry(BaseModel):
    """One row of the table: which notifications become which catalogue event, and how."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kanaal: Annotated[str, Field(min_length=1, max_length=50)]
    zaaktype: Annotated[str, Field(min_length=1, max_length=1000)] | None = None
    resource: Annotated[str, Field(min_length=1, max_length=100)]
    actie: Actie
    when: dict[KenmerkName, str] = Field(default_factory=dict)
    type: str
    subject: SubjectSpec = SubjectSpec()
    buurt: Buurtcode | None = None
    buurt_kenmerk: KenmerkName | None = None
    data: dict[str, DataValue] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _full_type_name(cls, value: Any) -> Any:
        if isinstance(value, dict):
            name = value.get("type")
            if isinstance(name, str) and not name.startswith(TYPE_PREFIX):
                value = {**value, "type": TYPE_PREFIX + name}
            if value.get("zaaktype") == ANY:
                value = {**value, "zaaktype": None}
        return value

    @model_validator(mode="after")
    def _fits_catalogue(self) -> MappingEntry:
        event_type = CATALOGUE.get(self.type)
        if event_type is None:
            raise ValueError(f"type {self.type!r} is not in catalogue v1")
        if SubjectKind(self.subject.kind) not in event_type.subject_kinds:
            allowed = ", ".join(sorted(kind.value for kind in event_type.subject_kinds))
            raise ValueError(f"{self.type} takes a subject of kind {allowed}, not {self.subject.kind}")
        _check_data(event_type, self.data)
        if self.buurt is None and self.buurt_kenmerk is None:
            raise ValueError("give a constant `buurt` (CBS code) or a `buurt_kenmerk` that holds one")
        return self

    @property
    def event_type(self) -> EventType:
        return CATALOGUE[self.type]


def _check_data(event_type: EventType, data: dict[str, DataValue]) -> None:
    fields = {name: info for name, info in event_type.data_model.model_fields.items() if name != "location"}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ValueError(
            f"data of {event_type.name} has no field(s) {', '.join(unknown)}; "
            f"it has {', '.join(sorted(fields))}"
        )
    missing = sorted(name for name, info in fields.items() if info.is_required() and name not in data)
    if missing:
        raise ValueError(f"data of {event_type.name} needs {', '.join(missing)}")


class ZgwConfig(ConnectorConfig):
    """`kind: zgw-notificaties`: a callback on the gateway that an NRC delivers notifications to."""

    kind: Literal["zgw-notificaties"]
    auth_env: EnvName
    mapping: Annotated[list[MappingEntry], Field(min_length=1)]
    unmapped: Literal["dead-letter", "ignore"] = "dead-letter"

    @model_validator(mode="after")
    def _served_by_the_hub(self) -> ZgwConfig:
        if self.sink != "hub":
            raise ValueError("sink: a ZGW callback is served by the hub's gateway and delivers into the hub")
        if self.pseudonymisation is None:
            raise ValueError("pseudonymisation: required (the subject is a keyed pseudonym of the zaak)")
        return self
