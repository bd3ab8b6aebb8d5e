"""Which escalations a user may see, by role (PRODUCT.md "Roles")."""

from __future__ import annotations

from services.directory.model import Role, User
from services.escalations.model import Scope


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
