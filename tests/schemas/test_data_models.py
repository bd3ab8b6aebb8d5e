from datetime import date
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from schemas.data.base import GeoPoint
from schemas.data.housing import (
    HousingArrearsSignalled,
    HousingEvictionCancelled,
    HousingEvictionSummoned,
    HousingNuisanceReported,
    HousingRenovationPlanned,
)
from schemas.data.social import SocialCareStarted, SocialEarlySignalReceived
from schemas.data.taskforce import TaskforceDecisionMade
from schemas.fields import CODE_MAX_LENGTH, TEXT_MAX_LENGTH


def test_amount_accepts_int_and_float() -> None:
    assert (
        HousingArrearsSignalled.model_validate({"months_in_arrears": 2, "amount_eur": 100}).amount_eur
        == 100.0
    )
    assert (
        HousingArrearsSignalled.model_validate({"months_in_arrears": 0, "amount_eur": 0.5}).amount_eur == 0.5
    )


@pytest.mark.parametrize(
    "data",
    [
        {"months_in_arrears": 2, "amount_eur": "100"},
        {"months_in_arrears": 2, "amount_eur": -1},
        {"months_in_arrears": 2, "amount_eur": True},
        {"months_in_arrears": 2, "amount_eur": float("inf")},
        {"months_in_arrears": -1, "amount_eur": 1},
        {"months_in_arrears": 2.0, "amount_eur": 1},
        {"months_in_arrears": "2", "amount_eur": 1},
        {"months_in_arrears": 2},
        {"months_in_arrears": 2, "amount_eur": 1, "note": "extra"},
    ],
)
def test_arrears_rejects(data: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        HousingArrearsSignalled.model_validate(data)


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("2025-04-15", True),
        (date(2025, 4, 15), True),
        ("2025-04-15T00:00:00", False),
        ("15-04-2025", False),
        ("2025-02-30", False),
        (20250415, False),
    ],
)
def test_dates_are_iso_calendar_dates(value: object, valid: bool) -> None:
    if valid:
        assert HousingEvictionSummoned.model_validate({"court_date": value}).court_date == date(2025, 4, 15)
    else:
        with pytest.raises(ValidationError):
            HousingEvictionSummoned.model_validate({"court_date": value})


def test_optional_fields_may_be_omitted() -> None:
    assert HousingEvictionSummoned.model_validate({}).court_date is None
    assert HousingEvictionCancelled.model_validate({}).reason is None


def test_renovation_end_not_before_start() -> None:
    with pytest.raises(ValidationError, match="end_date"):
        HousingRenovationPlanned.model_validate(
            {"start_date": "2025-06-01", "end_date": "2025-05-01", "units": 3}
        )


@pytest.mark.parametrize(
    ("model", "data"),
    [
        (SocialCareStarted, {"kind": "zorg"}),
        (SocialEarlySignalReceived, {"signal_source": "gas", "amount_eur": 1}),
        (TaskforceDecisionMade, {"escalation_id": 1, "decision": "maybe", "text": "t", "instructions": []}),
        (
            TaskforceDecisionMade,
            {"escalation_id": 0, "decision": "no_action", "text": "t", "instructions": []},
        ),
        (
            TaskforceDecisionMade,
            {
                "escalation_id": 1,
                "decision": "no_action",
                "text": "t",
                "instructions": [{"org": "X", "action": "a"}],
            },
        ),
        (HousingNuisanceReported, {"category": ""}),
        (HousingNuisanceReported, {"category": "x" * (CODE_MAX_LENGTH + 1)}),
        (HousingEvictionCancelled, {"reason": "x" * (TEXT_MAX_LENGTH + 1)}),
        (HousingNuisanceReported, {"category": 5}),
    ],
)
def test_enums_ids_and_bounds(model: type[BaseModel], data: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        model.model_validate(data)


def test_decision_instructions() -> None:
    decision = TaskforceDecisionMade.model_validate(
        {
            "escalation_id": 3,
            "decision": "rule_change",
            "text": "Beleid aanpassen",
            "instructions": [{"org": "woonstad", "action": "beleid herzien"}],
        }
    )
    assert decision.instructions[0].org == "woonstad"


@pytest.mark.parametrize(
    ("point", "valid"),
    [
        ({"lat": 52.37, "lon": 4.89}, True),
        ({"lat": -90, "lon": 180}, True),
        ({"lat": 90.1, "lon": 0}, False),
        ({"lat": 0, "lon": -180.5}, False),
        ({"lat": "52.37", "lon": 4.89}, False),
        ({"lat": 52.37}, False),
        ({"lat": 52.37, "lon": 4.89, "alt": 3}, False),
    ],
)
def test_geopoint(point: dict[str, Any], valid: bool) -> None:
    if valid:
        assert GeoPoint.model_validate(point).lat == point["lat"]
    else:
        with pytest.raises(ValidationError):
            GeoPoint.model_validate(point)


def test_every_payload_accepts_a_location_and_is_frozen() -> None:
    data = HousingNuisanceReported.model_validate(
        {"category": "GEL", "location": {"lat": 52.37, "lon": 4.89}}
    )
    assert data.location == GeoPoint(lat=52.37, lon=4.89)
    with pytest.raises(ValidationError):
        data.category = "other"  # type: ignore[misc]
