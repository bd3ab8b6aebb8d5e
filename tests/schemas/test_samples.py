import pytest

from schemas.catalogue import CATALOGUE
from schemas.errors import UnknownEventTypeError
from schemas.identifiers import subject_kind
from schemas.privacy import find_bsn_fields
from schemas.samples import sample_data, sample_event, sample_subject


@pytest.mark.parametrize("name", list(CATALOGUE))
def test_samples_fit_their_type(name: str) -> None:
    event_type = CATALOGUE[name]
    assert subject_kind(sample_subject(name)) in event_type.subject_kinds
    event_type.data_model.model_validate(sample_data(name))
    assert find_bsn_fields(sample_event(name)) == []


def test_sample_data_is_a_fresh_copy() -> None:
    name = "nl.wijkbrug.taskforce.decision.made"
    first = sample_data(name)
    first["instructions"].append({"org": "x", "action": "y"})
    assert len(sample_data(name)["instructions"]) == 1


def test_unknown_type() -> None:
    with pytest.raises(UnknownEventTypeError):
        sample_event("nl.wijkbrug.housing.nothing.happened")
