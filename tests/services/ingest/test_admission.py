"""admit(): may this organisation put this event into the hub, and in which buurt does it belong."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from schemas.catalogue import CATALOGUE
from schemas.identifiers import Domain, source_for
from schemas.samples import sample_data, sample_subject
from services.directory.model import Organisation
from services.geo.registry import BuurtRegistry
from services.geo.shipped import load_shipped_buurten
from services.ingest.admission import (
    SOURCE_NOT_ALLOWED,
    TYPE_NOT_ALLOWED,
    UNKNOWN_BUURT,
    UNPLACEABLE,
    Admission,
    admit,
)
from tests.support.events import DAM, DAM_BUURT

NOW = datetime(2026, 10, 2, tzinfo=UTC)
WOONSTAD = Organisation("woonstad", Domain.HOUSING, "Woonstad")
GEMEENTE = Organisation("gemeente", Domain.MUNICIPALITY, "Gemeente Amsterdam")
SOCIAAL = Organisation("sociaal", Domain.SOCIAL, "Sociaal domein")
POLITIE = Organisation("politie", Domain.SAFETY, "Politie")
BEWONERS = Organisation("bewonersplatform", Domain.RESIDENTS, "Bewonersplatform")
UTRECHT_DOM = {"lat": 52.0907, "lon": 5.1214}


@pytest.fixture(scope="module")
def registry() -> BuurtRegistry:
    return BuurtRegistry(load_shipped_buurten())


def raw_event(
    org: Organisation,
    type_suffix: str,
    *,
    buurt: str | None = DAM_BUURT,
    location: dict[str, float] | None = None,
    **changes: Any,
) -> dict[str, Any]:
    type_name = f"nl.wijkbrug.{type_suffix}"
    data = sample_data(type_name)
    if location is not None:
        data["location"] = location
    event: dict[str, Any] = {
        "specversion": "1.0",
        "id": f"evt-{type_suffix}",
        "source": org.source,
        "type": type_name,
        "time": "2026-10-01T09:00:00Z",
        "subject": sample_subject(type_name),
        "data": data,
    }
    if buurt is not None:
        event["buurt"] = buurt
    event.update(changes)
    return event


def codes(admission: Admission) -> list[tuple[str, str]]:
    return [(issue.field, issue.code) for issue in admission.issues]


@pytest.mark.parametrize(
    ("org", "type_suffix"),
    [
        (WOONSTAD, "housing.eviction.summoned"),
        (WOONSTAD, "housing.renovation.planned"),
        (SOCIAAL, "social.debt_assistance.started"),
        (POLITIE, "safety.house_closure.ordered"),
        (GEMEENTE, "municipality.report.created"),
        (GEMEENTE, "residents.initiative.submitted"),
        (GEMEENTE, "residents.initiative.completed"),
        (BEWONERS, "residents.initiative.withdrawn"),
    ],
)
def test_admitted_with_the_given_buurt(registry: BuurtRegistry, org: Organisation, type_suffix: str) -> None:
    raw = raw_event(org, type_suffix, buurt="BU0363AE01")

    admission = admit(raw, org, registry, now=NOW)

    assert admission.admitted
    assert admission.issues == ()
    assert admission.buurt == "BU0363AE01"
    assert admission.event is not None
    assert admission.event.org_slug == org.slug


def test_location_only_resolves_the_dam(registry: BuurtRegistry) -> None:
    raw = raw_event(WOONSTAD, "housing.repair.requested", buurt=None, location=DAM)

    admission = admit(raw, WOONSTAD, registry, now=NOW)

    assert admission.admitted
    assert admission.buurt == "BU0363AD05"
    assert admission.buurt == DAM_BUURT


@pytest.mark.parametrize("code", ["BU0363AA01", "BU0363FK03", "BU0363KC01", "BU0363TA06"])
def test_location_only_resolves_the_buurt_that_contains_the_point(registry: BuurtRegistry, code: str) -> None:
    buurt = registry.get(code)
    assert buurt is not None
    point = buurt.geometry.representative_point()
    raw = raw_event(
        WOONSTAD, "housing.nuisance.reported", buurt=None, location={"lat": point.y, "lon": point.x}
    )

    admission = admit(raw, WOONSTAD, registry, now=NOW)

    assert admission.buurt == code


def test_a_given_buurt_wins_over_the_location(registry: BuurtRegistry) -> None:
    raw = raw_event(WOONSTAD, "housing.repair.requested", buurt="BU0363AE01", location=DAM)

    admission = admit(raw, WOONSTAD, registry, now=NOW)

    assert admission.admitted
    assert admission.buurt == "BU0363AE01"


@pytest.mark.parametrize("code", ["BU0363ZZ99", "BU0518AA01", "BU9999AAAA"])
def test_an_unknown_buurt_code_is_invalid(registry: BuurtRegistry, code: str) -> None:
    assert code not in registry
    raw = raw_event(WOONSTAD, "housing.eviction.summoned", buurt=code)

    admission = admit(raw, WOONSTAD, registry, now=NOW)

    assert not admission.admitted
    assert admission.forbidden == ()
    assert codes(admission) == [("buurt", UNKNOWN_BUURT)]
    assert admission.event is not None, "the event itself is valid"
    assert code in admission.invalid[0].message


@pytest.mark.parametrize(
    "location",
    [UTRECHT_DOM, {"lat": 0.0, "lon": 0.0}, {"lat": 52.3731, "lon": 5.2}, {"lat": -33.86, "lon": 151.21}],
)
def test_a_location_outside_the_municipality_is_unplaceable(
    registry: BuurtRegistry, location: dict[str, float]
) -> None:
    raw = raw_event(GEMEENTE, "municipality.report.created", buurt=None, location=location)

    admission = admit(raw, GEMEENTE, registry, now=NOW)

    assert not admission.admitted
    assert admission.buurt is None
    assert codes(admission) == [("data.location", UNPLACEABLE)]


@pytest.mark.parametrize(
    ("org", "raw", "expected"),
    [
        (
            WOONSTAD,
            raw_event(WOONSTAD, "housing.eviction.summoned", source=source_for("andere-corporatie")),
            [("source", SOURCE_NOT_ALLOWED)],
        ),
        (
            WOONSTAD,
            raw_event(SOCIAAL, "social.debt_assistance.started"),
            [
                ("source", SOURCE_NOT_ALLOWED),
                ("type", TYPE_NOT_ALLOWED),
            ],
        ),
        (
            WOONSTAD,
            raw_event(WOONSTAD, "social.debt_assistance.started"),
            [("type", TYPE_NOT_ALLOWED)],
        ),
        (SOCIAAL, raw_event(SOCIAAL, "housing.eviction.summoned"), [("type", TYPE_NOT_ALLOWED)]),
        (POLITIE, raw_event(POLITIE, "municipality.enforcement.action"), [("type", TYPE_NOT_ALLOWED)]),
        (BEWONERS, raw_event(BEWONERS, "municipality.permit.requested"), [("type", TYPE_NOT_ALLOWED)]),
        (WOONSTAD, raw_event(WOONSTAD, "residents.initiative.submitted"), [("type", TYPE_NOT_ALLOWED)]),
        (GEMEENTE, raw_event(GEMEENTE, "taskforce.decision.made"), [("type", TYPE_NOT_ALLOWED)]),
    ],
)
def test_forbidden_sources_and_types(
    registry: BuurtRegistry, org: Organisation, raw: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    admission = admit(raw, org, registry, now=NOW)

    assert not admission.admitted
    assert [(issue.field, issue.code) for issue in admission.forbidden] == expected
    assert admission.invalid == ()
    assert admission.buurt is None
    with pytest.raises(ValueError, match="admitted"):
        admission.wire()


def test_a_forbidden_type_message_names_the_domain_and_type(registry: BuurtRegistry) -> None:
    admission = admit(raw_event(WOONSTAD, "social.benefit.stopped"), WOONSTAD, registry, now=NOW)

    (issue,) = admission.forbidden
    assert "housing" in issue.message
    assert "nl.wijkbrug.social.benefit.stopped" in issue.message


@pytest.mark.parametrize(
    "type_name", [name for name in CATALOGUE if name.startswith("nl.wijkbrug.residents.")]
)
def test_a_municipality_may_publish_every_residents_type(registry: BuurtRegistry, type_name: str) -> None:
    raw = raw_event(GEMEENTE, type_name.removeprefix("nl.wijkbrug."))

    assert admit(raw, GEMEENTE, registry, now=NOW).admitted


def test_an_invalid_event_of_another_source_is_both_forbidden_and_invalid(registry: BuurtRegistry) -> None:
    raw = raw_event(WOONSTAD, "housing.eviction.summoned", source=source_for("andere"))
    del raw["id"]

    admission = admit(raw, WOONSTAD, registry, now=NOW)

    assert [(issue.field, issue.code) for issue in admission.forbidden] == [("source", SOURCE_NOT_ALLOWED)]
    assert ("id", "missing_attribute") in [(issue.field, issue.code) for issue in admission.invalid]
    assert admission.event is None


@pytest.mark.parametrize("raw", [None, [], "event", 7])
def test_not_an_object_is_invalid_not_forbidden(registry: BuurtRegistry, raw: Any) -> None:
    admission = admit(raw, WOONSTAD, registry, now=NOW)

    assert not admission.admitted
    assert admission.forbidden == ()
    assert codes(admission) == [("", "not_an_object")]


def test_the_hub_clock_decides_what_is_in_the_future(registry: BuurtRegistry) -> None:
    raw = raw_event(WOONSTAD, "housing.eviction.summoned", time="2026-10-01T09:00:00Z")

    assert admit(raw, WOONSTAD, registry, now=datetime(2026, 10, 1, 9, 0, tzinfo=UTC)).admitted
    early = admit(raw, WOONSTAD, registry, now=datetime(2026, 10, 1, 8, 0, tzinfo=UTC))
    assert codes(early) == [("time", "time_in_future")]


def test_wire_is_the_canonical_event_with_the_resolved_buurt(registry: BuurtRegistry) -> None:
    raw = raw_event(
        WOONSTAD,
        "housing.repair.requested",
        buurt=None,
        location=DAM,
        time="2026-10-01T11:00:00+02:00",
    )

    wire = admit(raw, WOONSTAD, registry, now=NOW).wire()

    assert wire["buurt"] == DAM_BUURT
    assert wire["time"] == "2026-10-01T09:00:00Z"
    assert wire["data"] == {"category": "lekkage", "location": DAM}
    assert {key: wire[key] for key in ("specversion", "id", "source", "type", "subject")} == {
        key: raw[key] for key in ("specversion", "id", "source", "type", "subject")
    }


def test_wire_keeps_a_given_buurt(registry: BuurtRegistry) -> None:
    raw = raw_event(SOCIAAL, "social.debt_assistance.started", buurt="BU0363AE01")

    assert admit(raw, SOCIAAL, registry, now=NOW).wire()["buurt"] == "BU0363AE01"
