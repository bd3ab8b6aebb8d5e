"""One clash travels from two partners to the taskforce: HTTP -> broker -> faust -> database -> API."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from tests.support.events import DAM_BUURT, cloudevent, new_subject
from tests.support.hub import Hub
from tests.support.kafka_io import read_all
from tests.support.waiting import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.db]

RULE = "eviction-during-debt-assistance"


@pytest.fixture(scope="module")
def partners(hub: Hub) -> dict[str, str]:
    suffix = uuid.uuid4().hex[:6]
    return {
        "housing": hub.add_org(f"woco-{suffix}", "housing"),
        "housing_slug": f"woco-{suffix}",
        "social": hub.add_org(f"sociaal-{suffix}", "social"),
        "social_slug": f"sociaal-{suffix}",
        "taskforce": hub.add_user(f"tf-{suffix}", "taskforce"),
    }


def _clash_events(partners: dict[str, str], subject: str) -> tuple[dict[str, Any], dict[str, Any]]:
    debt = cloudevent(
        partners["social_slug"], "social.debt_assistance.started", subject, time="2026-09-01T08:00:00Z"
    )
    eviction = cloudevent(
        partners["housing_slug"],
        "housing.eviction.summoned",
        subject,
        time="2026-09-20T10:00:00Z",
        data={"court_date": "2026-11-03"},
    )
    return debt, eviction


def _wait_for_escalation(hub: Hub, token: str, subject: str, evidence: int) -> list[dict[str, Any]]:
    return eventually(
        lambda: hub.escalations(token, subject=subject),
        until=lambda items: len(items) >= 1 and len(items[0]["evidence"]) >= evidence,
        timeout=45,
        what=f"an escalation with {evidence} evidence events for {subject}",
    )


@pytest.mark.parametrize("order", ["debt assistance first", "eviction first"])
def test_two_partners_make_exactly_one_escalation(hub: Hub, partners: dict[str, str], order: str) -> None:
    subject = new_subject()
    debt, eviction = _clash_events(partners, subject)
    first, second = (debt, eviction) if order == "debt assistance first" else (eviction, debt)
    first_token = partners["social"] if first is debt else partners["housing"]
    second_token = partners["housing"] if first is debt else partners["social"]

    assert hub.post_events(first_token, first).json() == {"accepted": [first["id"]]}
    assert hub.post_events(second_token, second).status_code == 202

    escalations = _wait_for_escalation(hub, partners["taskforce"], subject, evidence=2)
    assert len(escalations) == 1
    escalation = escalations[0]
    assert escalation["rule"] == RULE
    assert escalation["severity"] == "high"
    assert escalation["status"] == "open"
    assert escalation["buurt"] == DAM_BUURT
    assert escalation["organisations"] == sorted([partners["housing_slug"], partners["social_slug"]])
    assert {item["id"] for item in escalation["evidence"]} == {debt["id"], eviction["id"]}
    # The clash began when the second process started, in event time.
    assert escalation["opened_at"] == "2026-09-20T10:00:00Z"

    with hub.client(partners["taskforce"]) as client:
        detail = client.get(f"/api/v1/escalations/{escalation['id']}").json()
    assert detail["dedup_key"] == f"{RULE}:{subject}"
    assert [item["type"] for item in detail["evidence"]] == [debt["type"], eviction["type"]]


def test_resending_an_event_changes_nothing(hub: Hub, partners: dict[str, str]) -> None:
    subject = new_subject()
    debt, eviction = _clash_events(partners, subject)
    hub.post_events(partners["social"], debt)
    hub.post_events(partners["housing"], eviction)
    before = _wait_for_escalation(hub, partners["taskforce"], subject, evidence=2)[0]

    # The same events again, singly and in a batch: accepted, never duplicated downstream.
    assert hub.post_events(partners["housing"], eviction).json() == {"accepted": [eviction["id"]]}
    assert hub.post_events(partners["social"], [debt, debt]).json() == {"accepted": [debt["id"], debt["id"]]}
    # A later event of the same clash is the proof that the pipeline went past the resent ones.
    scheduled = cloudevent(
        partners["housing_slug"],
        "housing.eviction.scheduled",
        subject,
        time="2026-10-01T10:00:00Z",
        data={"eviction_date": "2026-11-20"},
    )
    hub.post_events(partners["housing"], scheduled)
    after = _wait_for_escalation(hub, partners["taskforce"], subject, evidence=3)

    assert len(after) == 1
    assert after[0]["id"] == before["id"]
    assert sorted(item["id"] for item in after[0]["evidence"]) == sorted(
        [debt["id"], eviction["id"], scheduled["id"]]
    )
    assert after[0]["version"] == before["version"] + 1


def test_the_taskforce_decides_and_the_decision_is_on_buurt_decisions(
    hub: Hub, partners: dict[str, str]
) -> None:
    subject = new_subject()
    debt, eviction = _clash_events(partners, subject)
    hub.post_events(partners["social"], debt)
    hub.post_events(partners["housing"], eviction)
    escalation = _wait_for_escalation(hub, partners["taskforce"], subject, evidence=2)[0]
    base = f"/api/v1/escalations/{escalation['id']}"
    assignee_name = f"tf2-{uuid.uuid4().hex[:6]}"
    hub.add_user(assignee_name, "taskforce")

    with hub.client(partners["taskforce"]) as client:
        version = client.post(f"{base}/acknowledge", json={"version": escalation["version"]}).json()[
            "version"
        ]
        version = client.post(f"{base}/assign", json={"version": version, "assignee": assignee_name}).json()[
            "version"
        ]
        decided = client.post(
            f"{base}/decide",
            json={
                "version": version,
                "decision": "maatwerk",
                "text": "Ontruiming opschorten zolang de schuldhulp loopt",
                "instructions": [{"org": partners["housing_slug"], "action": "Schort de ontruiming op"}],
            },
        )
    assert decided.status_code == 200, decided.text
    event_id = decided.json()["decision"]["event_id"]

    bootstrap, prefix = hub.env["WIJKBRUG_KAFKA_BOOTSTRAP"], hub.env["WIJKBRUG_TOPIC_PREFIX"]
    records = eventually(
        lambda: [
            r
            for r in read_all(bootstrap, f"{prefix}buurt.decisions")
            if json.loads(r.value)["id"] == event_id
        ],
        until=lambda found: len(found) == 1,
        timeout=20,
        what=f"decision {event_id} on buurt.decisions",
    )
    (record,) = records
    decision = json.loads(record.value)
    assert record.key == DAM_BUURT.encode()
    assert decision["type"] == "nl.wijkbrug.taskforce.decision.made" and decision["subject"] == subject
    assert decision["data"]["escalation_id"] == escalation["id"]
    assert decision["data"]["instructions"] == [
        {"org": partners["housing_slug"], "action": "Schort de ontruiming op"}
    ]
