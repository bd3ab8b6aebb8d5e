"""Router.route: every inbound record becomes a buurt event or a dead letter with the reason."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from schemas.deadletter import DeadLetterRecord
from schemas.identifiers import Domain
from services.broker.records import header
from services.broker.topics import Topology
from services.directory.model import Organisation
from services.geo.registry import BuurtRegistry
from services.geo.shipped import load_shipped_buurten
from services.processor.routing import PRODUCER, InboundRecord, Router, RouteResult
from tests.support.elfproef import bsn_like
from tests.support.events import DAM, DAM_BUURT, cloudevent, new_subject

NOW = datetime(2026, 10, 2, 12, 0, tzinfo=UTC)
TOPOLOGY = Topology(
    prefix="t.",
    partitions_inbound=2,
    partitions_events=4,
    partitions_escalations=2,
    partitions_decisions=2,
    partitions_deadletter=1,
)
ORGS = {
    "woonstad": Organisation("woonstad", Domain.HOUSING, "Woonstad"),
    "sociaal": Organisation("sociaal", Domain.SOCIAL, "Sociaal domein"),
}
TRACE = [("traceparent", b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")]
UTRECHT = {"lat": 52.0907, "lon": 5.1214}


@pytest.fixture(scope="module")
def router() -> Router:
    return Router(TOPOLOGY, BuurtRegistry(load_shipped_buurten()), ORGS.get)


def inbound(
    value: bytes | None,
    *,
    org: str = "woonstad",
    partition: int = 1,
    offset: int = 41,
    key: bytes | None = None,
) -> InboundRecord:
    return InboundRecord(
        topic=TOPOLOGY.inbound(org), partition=partition, offset=offset, key=key, value=value
    )


def encoded(event: Any) -> bytes:
    return json.dumps(event).encode("utf-8")


def route(router: Router, record: InboundRecord) -> RouteResult:
    return router.route(record, now=NOW, trace_headers=list(TRACE))


def letter_of(result: RouteResult) -> DeadLetterRecord:
    assert result.dead
    assert result.record.topic == "t.wijkbrug.deadletter"
    return DeadLetterRecord.model_validate_json(result.record.value)


def test_a_valid_record_becomes_a_buurt_event_keyed_by_buurtcode(router: Router) -> None:
    event = cloudevent("woonstad", "housing.eviction.summoned", new_subject(), buurt="BU0363AE01")

    result = route(router, inbound(encoded(event), key=event["subject"].encode()))

    assert not result.dead
    assert result.reason is None
    assert result.record.topic == "t.buurt.events"
    assert result.record.key == b"BU0363AE01"
    assert json.loads(result.record.value) == event
    assert header(result.record.headers, "content-type") == "application/cloudevents+json"
    assert header(result.record.headers, "traceparent") == TRACE[0][1].decode()


def test_a_record_with_only_a_location_is_keyed_by_the_resolved_buurt(router: Router) -> None:
    event = cloudevent(
        "woonstad",
        "housing.nuisance.reported",
        new_subject(),
        buurt=None,
        data={"category": "GEL", "location": DAM},
    )

    result = route(router, inbound(encoded(event)))

    assert result.record.key == DAM_BUURT.encode()
    assert json.loads(result.record.value)["buurt"] == DAM_BUURT


def test_the_buurt_event_is_canonical(router: Router) -> None:
    event = cloudevent(
        "sociaal", "social.debt_assistance.started", new_subject(), time="2026-10-01T11:00:00+02:00"
    )

    result = route(router, inbound(encoded(event), org="sociaal"))

    assert json.loads(result.record.value)["time"] == "2026-10-01T09:00:00Z"
    assert result.record.value == json.dumps(
        json.loads(result.record.value), separators=(",", ":"), sort_keys=True, ensure_ascii=False
    ).encode("utf-8")


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (None, "empty_record"),
        (b"", "not_json"),
        (b"not json", "not_json"),
        (b'{"id": "a",', "not_json"),
        (b'{"id": "caf\xe9"}', "not_utf8"),
        (b"\xff\xfe\xfd", "not_utf8"),
    ],
)
def test_undecodable_records_are_dead_letters(router: Router, value: bytes | None, code: str) -> None:
    result = route(router, inbound(value))

    assert result.reason == "undecodable"
    letter = letter_of(result)
    assert letter.reason == "undecodable"
    assert [issue.code for issue in letter.issues] == [code]
    assert letter.producer == PRODUCER
    assert header(result.record.headers, "content-type") == "application/json"


def test_a_record_on_the_topic_of_an_unknown_organisation(router: Router) -> None:
    event = cloudevent("spookcorporatie", "housing.eviction.summoned", new_subject())

    result = route(router, inbound(encoded(event), org="spookcorporatie"))

    assert result.reason == "unknown_organisation"
    letter = letter_of(result)
    assert [issue.code for issue in letter.issues] == ["unknown_organisation"]
    assert letter.record == event


@pytest.mark.parametrize(
    ("topic_org", "event"),
    [
        ("woonstad", cloudevent("sociaal", "social.debt_assistance.started", new_subject())),
        ("sociaal", cloudevent("woonstad", "housing.eviction.summoned", new_subject())),
        ("woonstad", cloudevent("woonstad", "social.debt_assistance.started", new_subject())),
    ],
)
def test_another_organisations_source_or_type_is_not_allowed(
    router: Router, topic_org: str, event: dict[str, Any]
) -> None:
    result = route(router, inbound(encoded(event), org=topic_org))

    assert result.reason == "not_allowed"
    codes = {issue.code for issue in letter_of(result).issues}
    assert codes <= {"source_not_allowed", "type_not_allowed"}
    assert codes


def test_a_record_that_breaks_the_contract_fails_validation(router: Router) -> None:
    event = cloudevent("woonstad", "housing.eviction.summoned", new_subject())
    del event["subject"]

    result = route(router, inbound(encoded(event)))

    assert result.reason == "validation_failed"
    assert [(issue.field, issue.code) for issue in letter_of(result).issues] == [
        ("subject", "missing_attribute")
    ]


@pytest.mark.parametrize(
    ("event", "code"),
    [
        (
            cloudevent(
                "woonstad",
                "housing.nuisance.reported",
                new_subject(),
                buurt=None,
                data={"category": "GEL", "location": UTRECHT},
            ),
            "unplaceable",
        ),
        (
            cloudevent("woonstad", "housing.eviction.summoned", new_subject(), buurt="BU0363ZZ99"),
            "unknown_buurt",
        ),
    ],
)
def test_an_event_without_a_buurt_of_this_deployment_is_unplaceable(
    router: Router, event: dict[str, Any], code: str
) -> None:
    result = route(router, inbound(encoded(event)))

    assert result.reason == "unplaceable"
    assert [issue.code for issue in letter_of(result).issues] == [code]


@pytest.mark.parametrize("where", ["data", "subject", "id", "key", "text"])
def test_a_bsn_is_dead_lettered_without_any_trace_of_it(router: Router, where: str) -> None:
    bsn = bsn_like(sum(map(ord, where)))
    event = cloudevent("woonstad", "housing.repair.requested", new_subject(), data={"category": "lekkage"})
    key = event["subject"].encode()
    if where == "data":
        event["data"]["category"] = f"lekkage, bewoner {bsn}"
    elif where == "subject":
        event["subject"] = f"hh:{bsn}"
        key = event["subject"].encode()
    elif where == "id":
        event["id"] = bsn
    elif where == "key":
        event["data"]["category"] = bsn
        key = f"hh:{bsn}".encode()
    value = f"BSN {bsn} is geen JSON".encode() if where == "text" else encoded(event)

    result = route(router, inbound(value, key=key))

    assert bsn.encode() not in result.record.value
    assert result.record.key is None or bsn.encode() not in result.record.key
    assert all(bsn.encode() not in item for _, item in result.record.headers)
    letter = letter_of(result)
    if where == "text":
        assert letter.reason == "undecodable"
        assert "[REDACTED]" in str(letter.record)
    else:
        assert result.reason == letter.reason == "bsn_detected"
        assert any(issue.code == "bsn_detected" for issue in letter.issues)
        assert "[REDACTED]" in json.dumps(letter.record)


def test_dead_letters_carry_their_origin(router: Router) -> None:
    result = route(router, inbound(b"{oops", org="sociaal", partition=3, offset=12345, key=b"hh:origin-key"))

    letter = letter_of(result)
    assert letter.origin is not None
    assert (letter.origin.topic, letter.origin.partition, letter.origin.offset, letter.origin.key) == (
        "t.wijkbrug.inbound.sociaal",
        3,
        12345,
        "hh:origin-key",
    )
    assert result.record.key == b"t.wijkbrug.inbound.sociaal"
    assert letter.received_at == NOW
    assert letter.record == "{oops"


def test_a_record_from_another_source_is_kept_for_inspection(router: Router) -> None:
    event = cloudevent("sociaal", "social.debt_assistance.started", new_subject())

    letter = letter_of(route(router, inbound(encoded(event), org="woonstad", offset=7)))

    assert letter.record == event
    assert letter.origin is not None
    assert letter.origin.offset == 7
