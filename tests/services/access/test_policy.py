"""escalation_scope and aggregate_scope: what each role may see and count (PRODUCT.md "Roles")."""

from __future__ import annotations

import pytest

from services.access.policy import aggregate_scope, escalation_scope
from services.directory.model import Role, User
from services.escalations.model import Scope

BUURTEN = frozenset({"BU0363AD05", "BU0363NA01"})


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        (User(id=1, name="tf", role=Role.TASKFORCE), Scope(everything=True)),
        (User(id=2, name="admin", role=Role.ADMIN), Scope(everything=True)),
        (User(id=3, name="liaison", role=Role.LIAISON, org="woco"), Scope(org="woco")),
        # A binding that does not belong to the role widens nothing.
        (User(id=4, name="liaison", role=Role.LIAISON, org="woco", buurten=BUURTEN), Scope(org="woco")),
        (User(id=5, name="liaison", role=Role.LIAISON), Scope()),
        (
            User(id=6, name="resident", role=Role.RESIDENT, buurten=BUURTEN),
            Scope(buurten=BUURTEN, initiatives_only=True),
        ),
        (
            User(id=7, name="resident", role=Role.RESIDENT, org="woco", buurten=BUURTEN),
            Scope(buurten=BUURTEN, initiatives_only=True),
        ),
        (User(id=8, name="resident", role=Role.RESIDENT), Scope()),
        (User(id=9, name="resident", role=Role.RESIDENT, org="woco"), Scope()),
    ],
    ids=[
        "taskforce",
        "admin",
        "liaison-with-org",
        "liaison-with-org-and-buurten",
        "liaison-without-org",
        "resident-with-buurten",
        "resident-with-buurten-and-org",
        "resident-without-buurten",
        "resident-with-org-only",
    ],
)
def test_escalation_scope_per_role(user: User, expected: Scope) -> None:
    assert escalation_scope(user) == expected


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        (User(id=1, name="tf", role=Role.TASKFORCE), Scope(everything=True)),
        (User(id=2, name="admin", role=Role.ADMIN), Scope(everything=True)),
        (User(id=3, name="liaison", role=Role.LIAISON, org="woco"), Scope(org="woco")),
        (User(id=4, name="liaison", role=Role.LIAISON, org="woco", buurten=BUURTEN), Scope(org="woco")),
        (User(id=5, name="liaison", role=Role.LIAISON), Scope()),
        # Figures of a resident's buurten count households too; they never list one.
        (User(id=6, name="resident", role=Role.RESIDENT, buurten=BUURTEN), Scope(buurten=BUURTEN)),
        (
            User(id=7, name="resident", role=Role.RESIDENT, org="woco", buurten=BUURTEN),
            Scope(buurten=BUURTEN),
        ),
        (User(id=8, name="resident", role=Role.RESIDENT), Scope()),
        (User(id=9, name="resident", role=Role.RESIDENT, org="woco"), Scope()),
    ],
    ids=[
        "taskforce",
        "admin",
        "liaison-with-org",
        "liaison-with-org-and-buurten",
        "liaison-without-org",
        "resident-with-buurten",
        "resident-with-buurten-and-org",
        "resident-without-buurten",
        "resident-with-org-only",
    ],
)
def test_aggregate_scope_per_role(user: User, expected: Scope) -> None:
    assert aggregate_scope(user) == expected


def test_a_residents_aggregates_are_wider_than_the_escalations_they_may_open() -> None:
    resident = User(id=6, name="resident", role=Role.RESIDENT, buurten=BUURTEN)

    assert escalation_scope(resident).initiatives_only
    assert not aggregate_scope(resident).initiatives_only
