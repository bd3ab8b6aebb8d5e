"""Which escalations a user may see, and count in figures, by role (PRODUCT.md "Roles")."""

from __future__ import annotations

from services.directory.model import Role, User
from services.escalations.lifecycle import Action
from services.escalations.model import Scope

#: The escalation actions each role may take (on the escalations its scope lets it see).
ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.TASKFORCE: frozenset(Action),
    Role.LIAISON: frozenset({Action.COMMENT, Action.CONFIRM}),
    Role.RESIDENT: frozenset(),
    Role.ADMIN: frozenset(),
}


def escalation_scope(user: User) -> Scope:
    """The part of the escalations `user` may see.

    taskforce and admin see everything; a liaison sees the escalations that involve their organisation;
    a resident representative sees only initiative escalations (subject `ini:`) of their buurten, never
    a household.
    """
    if user.role in (Role.TASKFORCE, Role.ADMIN):
        return Scope(everything=True)
    if user.role is Role.LIAISON:
        return Scope(org=user.org) if user.org else Scope()
    # Role.RESIDENT
    return Scope(buurten=user.buurten, initiatives_only=True) if user.buurten else Scope()


def aggregate_scope(user: User) -> Scope:
    """The escalations that `user`'s figures (map, counts, knelpunten) are computed over.

    Only for aggregates, never for listing subjects: taskforce and admin count everything; a liaison the
    escalations that involve their organisation; a resident representative every escalation (of any
    subject kind, households included) in their buurten, because a buurt figure reveals no household.
    """
    if user.role in (Role.TASKFORCE, Role.ADMIN):
        return Scope(everything=True)
    if user.role is Role.LIAISON:
        return Scope(org=user.org) if user.org else Scope()
    # Role.RESIDENT
    return Scope(buurten=user.buurten) if user.buurten else Scope()


def may_act(user: User, action: Action) -> bool:
    """Whether `user`'s role may take `action` at all (a liaison confirms only their own organisation's
    instruction; the lifecycle service checks that)."""
    return action in ROLE_ACTIONS[user.role]


#: Who may see, create and end silences: they name household subjects and hide escalations from the queue.
SILENCE_ROLES = frozenset({Role.TASKFORCE, Role.ADMIN})


def may_manage_silences(user: User) -> bool:
    """Whether `user`'s role may see, create and end silences."""
    return user.role in SILENCE_ROLES
