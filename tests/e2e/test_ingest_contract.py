"""Every bad input of POST /api/v1/events gets its own status and a readable error, over real HTTP.

PRODUCT.md: 400 malformed, 401, 403 (source or type not allowed), 413, 422 with per-event errors (a batch
is all or nothing), never a 500 on bad input, and a BSN is never echoed.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from services.db.engine import create_db_engine, create_session_factory
from services.db.models import JournalEntry
from tests.support.events import cloudevent, new_subject
from tests.support.hub import Hub

pytestmark = [pytest.mark.e2e, pytest.mark.db]

BSN = "111222333"  # passes the 11-proef: 9*1+8*1+7*1+6*2+5*2+4*2+3*3+2*3-3 = 66 = 6*11
STRUCTURED = "application/cloudevents+json"
BATCH = "application/cloudevents-batch+json"


@dataclass
class Partners:
    housing: str
    housing_token: str
    social: str
    social_token: str
    user_token: str
    responses: list[httpx.Response] = field(default_factory=list)


@pytest.fixture(scope="module")
def partners(hub: Hub) -> Partners:
    suffix = uuid.uuid4().hex[:6]
    housing, social = f"corp-{suffix}", f"wijkteam-{suffix}"
    return Partners(
        housing=housing,
        housing_token=hub.add_org(housing, "housing"),
        social=social,
        social_token=hub.add_org(social, "social"),
        user_token=hub.add_user(f"reader-{suffix}", "taskforce"),
    )


def arrears(p: Partners, **changes: Any) -> dict[str, Any]:
    data = changes.pop("data", {"months_in_arrears": 2, "amount_eur": 812.5})
    return cloudevent(
        p.housing, "housing.arrears.signalled", changes.pop("subject", new_subject()), data=data, **changes
    )


@dataclass(frozen=True)
class Case:
    """One bad request: how to send it and what must come back."""

    name: str
    status: int
    error: str
    text: str
    body: Callable[[Partners], bytes | str]
    content_type: str = STRUCTURED
    token: Callable[[Partners], str | None] = lambda p: p.housing_token
    event_code: str | None = None
    event_field: str | None = None


def _json(document: Any) -> str:
    return json.dumps(document)


CASES = [
    Case(
        "no token",
        401,
        "unauthenticated",
        "Authorization: Bearer",
        lambda p: _json(arrears(p)),
        token=lambda p: None,
    ),
    Case(
        "unknown token",
        401,
        "unauthenticated",
        "unknown or revoked",
        lambda p: _json(arrears(p)),
        token=lambda p: "wbo_nope",
    ),
    Case(
        "a user token is no organisation token",
        401,
        "unauthenticated",
        "unknown or revoked",
        lambda p: _json(arrears(p)),
        token=lambda p: p.user_token,
    ),
    Case(
        "another organisation's source",
        403,
        "forbidden_events",
        "may not be published",
        lambda p: _json(cloudevent(p.social, "social.debt_assistance.started", new_subject())),
        event_code="source_not_allowed",
        event_field="source",
    ),
    Case(
        "another domain's type",
        403,
        "forbidden_events",
        "may not be published",
        lambda p: _json(cloudevent(p.housing, "social.debt_assistance.started", new_subject())),
        event_code="type_not_allowed",
        event_field="type",
    ),
    Case("not JSON", 400, "malformed", "not valid JSON", lambda p: "{not json"),
    Case("empty body", 400, "malformed", "empty", lambda p: ""),
    Case(
        "an array as a single event",
        400,
        "malformed",
        "one event as a JSON object",
        lambda p: _json([arrears(p)]),
    ),
    Case(
        "an object as a batch",
        400,
        "malformed",
        "JSON array",
        lambda p: _json(arrears(p)),
        content_type=BATCH,
    ),
    Case("an empty batch", 400, "malformed", "no events", lambda p: "[]", content_type=BATCH),
    Case(
        "unsupported content type",
        415,
        "unsupported_content_type",
        "not accepted",
        lambda p: _json(arrears(p)),
        content_type="text/plain",
    ),
    Case("body over the size limit", 413, "too_large", "limit", lambda p: " " * (5 * 1024 * 1024 + 1)),
    Case(
        "batch over the event limit",
        413,
        "too_large",
        "limit is 1000",
        lambda p: _json([arrears(p) for _ in range(1001)]),
        content_type=BATCH,
    ),
    Case(
        "unknown type",
        422,
        "invalid_events",
        "invalid",
        lambda p: _json(cloudevent(p.housing, "housing.roof.leaking", new_subject())),
        event_code="unknown_type",
        event_field="type",
    ),
    Case(
        "bad buurt code",
        422,
        "invalid_events",
        "invalid",
        lambda p: _json(arrears(p, buurt="BU0363ae01")),
        event_code="invalid_buurt",
        event_field="buurt",
    ),
    Case(
        "buurt not in the municipality",
        422,
        "invalid_events",
        "invalid",
        lambda p: _json(arrears(p, buurt="BU05990101")),
        event_code="unknown_buurt",
        event_field="buurt",
    ),
    Case(
        "no buurt and no location",
        422,
        "invalid_events",
        "invalid",
        lambda p: _json(arrears(p, buurt=None)),
        event_code="missing_location",
    ),
    Case(
        "a location outside the municipality",
        422,
        "invalid_events",
        "invalid",
        lambda p: _json(
            arrears(
                p,
                buurt=None,
                data={"months_in_arrears": 2, "amount_eur": 1.0, "location": {"lat": 52.0907, "lon": 5.1214}},
            )
        ),
        event_code="unplaceable",
        event_field="data.location",
    ),
    Case(
        "subject is not a pseudonym",
        422,
        "invalid_events",
        "invalid",
        lambda p: _json(arrears(p, subject="Jansen")),
        event_code="invalid_subject",
        event_field="subject",
    ),
    Case(
        "data against the schema",
        422,
        "invalid_events",
        "invalid",
        lambda p: _json(arrears(p, data={"months_in_arrears": "two", "amount_eur": 10})),
        event_code="invalid_data",
        event_field="data.months_in_arrears",
    ),
    Case(
        "data with an unknown field",
        422,
        "invalid_events",
        "invalid",
        lambda p: _json(arrears(p, data={"months_in_arrears": 2, "amount_eur": 10, "name": "Jansen"})),
        event_code="invalid_data",
        event_field="data.name",
    ),
    Case(
        "a BSN in the data",
        422,
        "invalid_events",
        "invalid",
        lambda p: _json(arrears(p, data={"months_in_arrears": 2, "amount_eur": 10.0, "note": f"bsn {BSN}"})),
        event_code="bsn_detected",
        event_field="data.note",
    ),
    Case(
        "a BSN as the subject",
        422,
        "invalid_events",
        "invalid",
        lambda p: _json(arrears(p, subject=f"hh:{BSN}")),
        event_code="bsn_detected",
        event_field="subject",
    ),
    Case(
        "a BSN as the event id",
        422,
        "invalid_events",
        "invalid",
        lambda p: _json(arrears(p, event_id=BSN)),
        event_code="bsn_detected",
        event_field="id",
    ),
    Case(
        "a time in the future",
        422,
        "invalid_events",
        "invalid",
        lambda p: _json(arrears(p, time="2099-01-01T00:00:00Z")),
        event_code="time_in_future",
        event_field="time",
    ),
    Case(
        "a naive time",
        422,
        "invalid_events",
        "invalid",
        lambda p: _json(arrears(p, time="2026-01-01T00:00:00")),
        event_code="invalid_attribute",
        event_field="time",
    ),
    Case(
        "wrong specversion",
        422,
        "invalid_events",
        "invalid",
        lambda p: _json(arrears(p, specversion="0.3")),
        event_code="invalid_attribute",
        event_field="specversion",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_bad_input_gets_its_specific_error(hub: Hub, partners: Partners, case: Case) -> None:
    token = case.token(partners)
    headers = {"Content-Type": case.content_type}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    with httpx.Client(base_url=hub.base_url, timeout=60) as client:
        response = client.post("/api/v1/events", content=case.body(partners), headers=headers)

    assert response.status_code == case.status, response.text
    body = response.json()
    assert body["error"] == case.error
    assert case.text in body["message"]
    assert BSN not in response.text
    if case.status == 401:
        assert response.headers["WWW-Authenticate"] == "Bearer"
    if case.event_code is not None:
        errors = body["events"][0]["errors"]
        codes = {(error["code"], error["field"]) for error in errors}
        assert any(code == case.event_code for code, _ in codes), codes
        if case.event_field is not None:
            assert (case.event_code, case.event_field) in codes
        assert all(error["message"] for error in errors)


def test_a_batch_is_all_or_nothing(hub: Hub, partners: Partners) -> None:
    good = [arrears(partners), arrears(partners)]
    bad = arrears(partners, data={"months_in_arrears": -1, "amount_eur": 5.0})
    response = hub.post_events(partners.housing_token, [good[0], bad, good[1]])

    assert response.status_code == 422
    assert [item["index"] for item in response.json()["events"]] == [1]
    assert response.json()["events"][0]["errors"][0]["field"] == "data.months_in_arrears"
    assert _journalled(hub, [event["id"] for event in good]) == set()

    assert hub.post_events(partners.housing_token, good).json() == {
        "accepted": [event["id"] for event in good]
    }
    assert _journalled(hub, [event["id"] for event in good]) == {event["id"] for event in good}


def test_an_id_sent_again_with_other_content_is_a_conflict(hub: Hub, partners: Partners) -> None:
    event = arrears(partners)
    assert hub.post_events(partners.housing_token, event).status_code == 202
    changed = {**event, "data": {"months_in_arrears": 5, "amount_eur": 2000.0}}

    response = hub.post_events(partners.housing_token, changed)

    assert response.status_code == 409
    assert response.json()["error"] == "event_id_conflict"
    assert response.json()["events"][0]["id"] == event["id"]
    assert hub.post_events(partners.housing_token, event).status_code == 202


def test_a_binary_mode_event_is_accepted(hub: Hub, partners: Partners) -> None:
    event = arrears(partners)
    headers = {
        "Authorization": f"Bearer {partners.housing_token}",
        "Content-Type": "application/json",
        **{f"ce-{name}": str(value) for name, value in event.items() if name != "data"},
    }
    with httpx.Client(base_url=hub.base_url, timeout=30) as client:
        response = client.post("/api/v1/events", content=json.dumps(event["data"]), headers=headers)

    assert response.status_code == 202, response.text
    assert response.json() == {"accepted": [event["id"]]}


def _journalled(hub: Hub, ids: list[str]) -> set[str]:
    engine = create_db_engine(hub.env["WIJKBRUG_DATABASE_URL"])
    try:
        with create_session_factory(engine)() as session:
            return set(session.scalars(select(JournalEntry.event_id).where(JournalEntry.event_id.in_(ids))))
    finally:
        engine.dispose()
