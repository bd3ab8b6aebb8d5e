"""The escalation lifecycle of PRODUCT.md as data: which action moves which status where.

open -> acknowledged -> in_progress (assigned) -> decided -> resolved; reopened from resolved, and a
reopened escalation goes through the same steps again. A withdrawn escalation (the clash went away by
itself) takes only comments. Comments and confirming an instruction change no status.
"""

from __future__ import annotations

from enum import StrEnum

from services.escalations.errors import TransitionError
from services.escalations.model import Status


class Action(StrEnum):
    """What a user can do to an escalation."""

    ACKNOWLEDGE = "acknowledge"
    ASSIGN = "assign"
    DECIDE = "decide"
    RESOLVE = "resolve"
    REOPEN = "reopen"
    COMMENT = "comment"
    CONFIRM = "confirm"


_ANY = frozenset(Status)
_TRIAGE = frozenset({Status.OPEN, Status.REOPENED})

#: For each action: the statuses it may start from and the status it leads to (None: unchanged).
TRANSITIONS: dict[Action, tuple[frozenset[Status], Status | None]] = {
    Action.ACKNOWLEDGE: (_TRIAGE, Status.ACKNOWLEDGED),
    Action.ASSIGN: (_TRIAGE | {Status.ACKNOWLEDGED, Status.IN_PROGRESS}, Status.IN_PROGRESS),
    Action.DECIDE: (frozenset({Status.IN_PROGRESS}), Status.DECIDED),
    Action.RESOLVE: (frozenset({Status.DECIDED}), Status.RESOLVED),
    Action.REOPEN: (frozenset({Status.RESOLVED}), Status.REOPENED),
    Action.COMMENT: (_ANY, None),
    Action.CONFIRM: (frozenset({Status.DECIDED, Status.RESOLVED}), None),
}

#: Actions that change the status; they carry the version the user saw (optimistic locking).
VERSIONED = frozenset(action for action, (_, target) in TRANSITIONS.items() if target is not None)


def next_status(current: Status, action: Action) -> Status:
    """The status after `action`, or TransitionError if `current` does not allow it."""
    allowed, target = TRANSITIONS[action]
    if current not in allowed:
        raise TransitionError(
            f"an escalation with status {current.value} cannot be given the action {action.value}; "
            f"it needs one of: {', '.join(sorted(status.value for status in allowed))}"
        )
    return current if target is None else target


def allowed_actions(current: Status) -> frozenset[Action]:
    """The actions that `current` allows (before asking whether the user's role may take them)."""
    return frozenset(action for action, (allowed, _) in TRANSITIONS.items() if current in allowed)
