"""The lifecycle as data: which action moves which status where, and what it refuses."""

from __future__ import annotations

import pytest

from services.escalations.errors import TransitionError
from services.escalations.lifecycle import VERSIONED, Action, allowed_actions, next_status
from services.escalations.model import Status


def test_the_whole_way_and_back() -> None:
    status = Status.OPEN
    for action, expected in [
        (Action.ACKNOWLEDGE, Status.ACKNOWLEDGED),
        (Action.ASSIGN, Status.IN_PROGRESS),
        (Action.ASSIGN, Status.IN_PROGRESS),  # handed over to someone else
        (Action.DECIDE, Status.DECIDED),
        (Action.CONFIRM, Status.DECIDED),
        (Action.RESOLVE, Status.RESOLVED),
        (Action.REOPEN, Status.REOPENED),
        (Action.ACKNOWLEDGE, Status.ACKNOWLEDGED),
    ]:
        status = next_status(status, action)
        assert status is expected, action


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (Status.OPEN, Action.DECIDE),
        (Status.ACKNOWLEDGED, Action.DECIDE),
        (Status.ACKNOWLEDGED, Action.ACKNOWLEDGE),
        (Status.DECIDED, Action.ASSIGN),
        (Status.IN_PROGRESS, Action.RESOLVE),
        (Status.DECIDED, Action.REOPEN),
        (Status.OPEN, Action.CONFIRM),
        (Status.WITHDRAWN, Action.ACKNOWLEDGE),
        (Status.RESOLVED, Action.DECIDE),
    ],
)
def test_an_action_the_status_does_not_allow_is_refused_with_what_it_needs(
    status: Status, action: Action
) -> None:
    with pytest.raises(TransitionError) as caught:
        next_status(status, action)

    assert status.value in caught.value.message and action.value in caught.value.message


def test_a_comment_is_allowed_everywhere_and_changes_nothing() -> None:
    for status in Status:
        assert next_status(status, Action.COMMENT) is status
        assert Action.COMMENT in allowed_actions(status)


def test_a_withdrawn_escalation_takes_only_comments() -> None:
    assert allowed_actions(Status.WITHDRAWN) == {Action.COMMENT}


def test_only_status_changes_carry_a_version() -> None:
    assert {Action.ACKNOWLEDGE, Action.ASSIGN, Action.DECIDE, Action.RESOLVE, Action.REOPEN} == VERSIONED
