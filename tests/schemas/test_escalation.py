import json
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from schemas.escalation import EscalationMessage, Evidence, PolicyRef
from schemas.identifiers import Domain
from schemas.samples import sample_event
from schemas.validation import validate_event


def evidence(
    event_id: str, org: str, time: str, type_name: str = "nl.wijkbrug.housing.eviction.summoned"
) -> dict[str, Any]:
    return {
        "id": event_id,
        "source": f"urn:nl:wijkbrug:org:{org}",
        "org": org,
        "type": type_name,
        "time": time,
        "label_nl": "Dagvaarding ontruiming",
    }


def message(**changes: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "dedup_key": "eviction-during-debt-assistance:hh:7f3a9c2e5b1d4f60",
        "rule": "eviction-during-debt-assistance",
        "title": "Ontruiming tijdens schuldhulpverlening",
        "severity": "high",
        "subject": "hh:7f3a9c2e5b1d4f60",
        "buurt": "BU0363AE01",
        "opened_at": "2025-03-02T08:00:00Z",
        "organisations": ["woonstad", "gemeente-sd", "woonstad"],
        "evidence": [
            evidence("b", "woonstad", "2025-03-02T09:00:00+01:00"),
            evidence(
                "c", "gemeente-sd", "2025-03-01T10:00:00Z", "nl.wijkbrug.social.debt_assistance.started"
            ),
            evidence("a", "woonstad", "2025-03-02T08:00:00Z"),
        ],
        "policies": [
            {
                "domain": "housing",
                "reference": "Incassobeleid 2024 art. 4",
                "text": "Na 3 maanden achterstand dagvaarden.",
            },
        ],
        "emitted_at": "2025-03-02T08:00:05Z",
    }
    raw.update(changes)
    return raw


def test_normalises_order() -> None:
    escalation = EscalationMessage.model_validate(message())
    assert escalation.organisations == ["gemeente-sd", "woonstad"]
    assert [item.id for item in escalation.evidence] == ["c", "a", "b"]
    assert escalation.policies[0].domain is Domain.HOUSING


def test_json_round_trip() -> None:
    escalation = EscalationMessage.model_validate(message())
    wire = escalation.model_dump(mode="json")
    assert wire["opened_at"] == "2025-03-02T08:00:00Z"
    assert wire["evidence"][1]["time"] == "2025-03-02T08:00:00Z"
    assert EscalationMessage.model_validate(json.loads(json.dumps(wire))) == escalation
    assert EscalationMessage.model_validate_json(escalation.model_dump_json()) == escalation


def test_policies_may_be_empty() -> None:
    raw = message()
    del raw["policies"]
    assert EscalationMessage.model_validate(raw).policies == []


@pytest.mark.parametrize(
    "changes",
    [
        {"severity": "critical"},
        {"subject": "bsn:123"},
        {"buurt": "BU0363ae01"},
        {"rule": "Eviction During"},
        {"organisations": ["Woonstad"]},
        {"evidence": []},
        {"opened_at": "2025-03-02T08:00:00"},
        {"unexpected": 1},
        {"policies": [{"domain": "police", "reference": "x", "text": "y"}]},
        {"evidence": [{**evidence("a", "woonstad", "2025-03-02T08:00:00Z"), "org": "other-org"}]},
    ],
)
def test_rejects(changes: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        EscalationMessage.model_validate(message(**changes))


def test_frozen() -> None:
    escalation = EscalationMessage.model_validate(message())
    with pytest.raises(ValidationError):
        escalation.severity = "low"  # type: ignore[misc]


def test_evidence_from_event() -> None:
    event = validate_event(sample_event("nl.wijkbrug.housing.arrears.signalled"))
    item = Evidence.from_event(event)
    assert item.org == "example-org"
    assert item.type == "nl.wijkbrug.housing.arrears.signalled"
    assert item.label_nl == "Huurachterstand gesignaleerd"
    assert item.time == datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
    assert PolicyRef(domain=Domain.SOCIAL, reference="Wgs", text="Vroegsignalering").domain is Domain.SOCIAL


def test_a_withdrawal_carries_no_evidence() -> None:
    withdrawal = EscalationMessage.model_validate(message(evidence=[], organisations=[], withdrawn=True))

    assert (withdrawal.withdrawn, withdrawal.evidence, withdrawal.complete_since) == (True, [], None)
    with pytest.raises(ValidationError, match="a withdrawn escalation carries no evidence"):
        EscalationMessage.model_validate(message(withdrawn=True))
    with pytest.raises(ValidationError, match="needs at least one evidence event"):
        EscalationMessage.model_validate(message(evidence=[]))


def test_complete_since_round_trips() -> None:
    escalation = EscalationMessage.model_validate(message(complete_since="2025-01-01T01:00:00+01:00"))

    assert escalation.complete_since == datetime(2025, 1, 1, tzinfo=UTC)
    assert escalation.model_dump(mode="json")["complete_since"] == "2025-01-01T00:00:00Z"
    assert EscalationMessage.model_validate_json(escalation.model_dump_json()) == escalation
    assert EscalationMessage.model_validate(message()).model_dump(mode="json")["complete_since"] is None
