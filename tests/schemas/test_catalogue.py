from collections import Counter

import pytest
from pydantic import BaseModel

from schemas.catalogue import CATALOGUE, EventType, get_event_type, may_publish
from schemas.errors import SchemaError, UnknownEventTypeError
from schemas.identifiers import TYPE_PREFIX, Domain, SubjectKind

HH, LOC, INI, CX = SubjectKind.HOUSEHOLD, SubjectKind.LOCATION, SubjectKind.INITIATIVE, SubjectKind.COMPLEX

# Catalogue v1 as written in PRODUCT.md, with the subject kinds agreed for each type.
EXPECTED: dict[str, frozenset[SubjectKind]] = {
    "housing.arrears.signalled": frozenset({HH}),
    "housing.eviction.summoned": frozenset({HH}),
    "housing.eviction.scheduled": frozenset({HH}),
    "housing.eviction.executed": frozenset({HH}),
    "housing.eviction.cancelled": frozenset({HH}),
    "housing.repair.requested": frozenset({HH, LOC, CX}),
    "housing.repair.completed": frozenset({HH, LOC, CX}),
    "housing.nuisance.reported": frozenset({HH, LOC}),
    "housing.renovation.planned": frozenset({CX}),
    "social.debt_assistance.started": frozenset({HH}),
    "social.debt_assistance.ended": frozenset({HH}),
    "social.benefit.stopped": frozenset({HH}),
    "social.benefit.reclaimed": frozenset({HH}),
    "social.care.started": frozenset({HH}),
    "social.care.ended": frozenset({HH}),
    "social.early_signal.received": frozenset({HH}),
    "safety.incident.registered": frozenset({LOC, HH}),
    "safety.enforcement.action": frozenset({HH, LOC}),
    "safety.house_closure.ordered": frozenset({HH}),
    "municipality.report.created": frozenset({LOC}),
    "municipality.report.status_changed": frozenset({LOC}),
    "municipality.permit.requested": frozenset({INI, LOC}),
    "municipality.permit.decided": frozenset({INI, LOC}),
    "municipality.enforcement.action": frozenset({HH, LOC}),
    "residents.initiative.submitted": frozenset({INI}),
    "residents.initiative.withdrawn": frozenset({INI}),
    "residents.initiative.completed": frozenset({INI}),
    "taskforce.decision.made": frozenset({HH, LOC, INI, CX}),
}


def test_catalogue_holds_exactly_the_v1_types() -> None:
    assert set(CATALOGUE) == {TYPE_PREFIX + suffix for suffix in EXPECTED}
    assert len(CATALOGUE) == 28


def test_count_per_domain() -> None:
    counts = Counter(event_type.domain for event_type in CATALOGUE.values())
    assert counts == {
        Domain.HOUSING: 9,
        Domain.SOCIAL: 7,
        Domain.SAFETY: 3,
        Domain.MUNICIPALITY: 5,
        Domain.RESIDENTS: 3,
        Domain.TASKFORCE: 1,
    }


@pytest.mark.parametrize(("suffix", "kinds"), sorted(EXPECTED.items()))
def test_entry(suffix: str, kinds: frozenset[SubjectKind]) -> None:
    event_type = CATALOGUE[TYPE_PREFIX + suffix]
    assert event_type.name == TYPE_PREFIX + suffix
    assert event_type.suffix == suffix
    assert event_type.domain == Domain(suffix.split(".")[0])
    assert event_type.subject_kinds == kinds
    assert issubclass(event_type.data_model, BaseModel)
    assert event_type.data_model.model_config.get("extra") == "forbid"
    assert event_type.data_model.model_config.get("frozen") is True
    assert "location" in event_type.data_model.model_fields
    assert event_type.label_nl.strip()
    assert event_type.description.strip()
    assert event_type.schema_id == f"https://wijkbrug.nl/schemas/v1/{event_type.name}.json"


def test_labels_and_models_are_distinct() -> None:
    labels = [event_type.label_nl for event_type in CATALOGUE.values()]
    models = [event_type.data_model for event_type in CATALOGUE.values()]
    assert len(set(labels)) == len(labels)
    assert len(set(models)) == len(models)


@pytest.mark.parametrize(
    ("suffix", "label"),
    [
        ("housing.arrears.signalled", "Huurachterstand gesignaleerd"),
        ("housing.eviction.summoned", "Dagvaarding ontruiming"),
        ("social.debt_assistance.started", "Schuldhulpverlening gestart"),
    ],
)
def test_known_labels(suffix: str, label: str) -> None:
    assert get_event_type(TYPE_PREFIX + suffix).label_nl == label


def test_catalogue_is_immutable() -> None:
    event_type = get_event_type("nl.wijkbrug.housing.arrears.signalled")
    assert isinstance(event_type, EventType)
    with pytest.raises(TypeError):
        CATALOGUE["nl.wijkbrug.x.y.z"] = event_type  # type: ignore[index]
    with pytest.raises(AttributeError):
        event_type.label_nl = "x"  # type: ignore[misc]


@pytest.mark.parametrize(
    "name",
    [
        "housing.arrears.signalled",
        "nl.wijkbrug.housing.arrears.paid",
        "",
        "NL.WIJKBRUG.HOUSING.ARREARS.SIGNALLED",
    ],
)
def test_get_event_type_unknown(name: str) -> None:
    with pytest.raises(UnknownEventTypeError) as excinfo:
        get_event_type(name)
    assert isinstance(excinfo.value, SchemaError)


ALLOWED = {
    Domain.HOUSING: {Domain.HOUSING},
    Domain.SOCIAL: {Domain.SOCIAL},
    Domain.SAFETY: {Domain.SAFETY},
    Domain.MUNICIPALITY: {Domain.MUNICIPALITY, Domain.RESIDENTS},
    Domain.RESIDENTS: {Domain.RESIDENTS},
    Domain.TASKFORCE: set(),
}


@pytest.mark.parametrize("org_domain", list(Domain))
@pytest.mark.parametrize("type_domain", list(Domain))
def test_may_publish_matrix(org_domain: Domain, type_domain: Domain) -> None:
    types = [event_type for event_type in CATALOGUE.values() if event_type.domain is type_domain]
    assert types
    expected = type_domain in ALLOWED[org_domain]
    assert all(may_publish(org_domain, event_type) is expected for event_type in types)
