"""The silence service: only taskforce and admin, and only valid silences reach the store."""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Coroutine, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest

from services.directory.model import Role, User
from services.geo.registry import BuurtRegistry
from services.geo.shipped import load_shipped_buurten
from services.rules.loader import load_rules
from services.silences.errors import InvalidSilenceError, SilenceForbiddenError
from services.silences.model import Silence, SilenceDraft
from services.silences.service import SilenceService

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
RULE = "eviction-during-debt-assistance"  # about households (hh:) only
INITIATIVE_RULE = "initiative-no-decision"
BUURT = "BU0363AD05"
T = TypeVar("T")


@dataclass
class RecordingStore:
    """A SilenceStore that keeps what it was given."""

    added: list[tuple[SilenceDraft, str, str, datetime]] = field(default_factory=list)
    expired: list[tuple[int, str, str, datetime]] = field(default_factory=list)

    def add(self, draft: SilenceDraft, actor: str, role: str, now: datetime) -> Silence:
        self.added.append((draft, actor, role, now))
        return Silence(
            len(self.added), draft.rule, draft.subject, draft.buurt, draft.reason, actor, now, draft.ends_at
        )

    def expire(self, silence_id: int, actor: str, role: str, now: datetime) -> Silence:
        self.expired.append((silence_id, actor, role, now))
        return Silence(silence_id, RULE, None, BUURT, "r", actor, now, now, now, actor)

    def get(self, silence_id: int) -> Silence | None:
        return None

    def listing(self, now: datetime, *, active: bool | None = None, limit: int = 200) -> Sequence[Silence]:
        return []

    def active_for(self, rules: Collection[str], now: datetime) -> Sequence[Silence]:
        return []


@pytest.fixture(scope="module")
def registry() -> BuurtRegistry:
    return BuurtRegistry(load_shipped_buurten())


@pytest.fixture
def store() -> RecordingStore:
    return RecordingStore()


@pytest.fixture
def service(store: RecordingStore, registry: BuurtRegistry) -> SilenceService:
    return SilenceService(store=store, rules=load_rules(), registry=registry, clock=lambda: NOW)


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


def user(role: Role) -> User:
    return User(id=1, name=f"{role.value}-user", role=role)


DRAFT = SilenceDraft(
    rule=RULE, subject="hh:household0001", reason="Maatwerk loopt al", ends_at=NOW + timedelta(days=14)
)


@pytest.mark.parametrize("role", [Role.TASKFORCE, Role.ADMIN])
def test_taskforce_and_admin_create_a_silence(
    service: SilenceService, store: RecordingStore, role: Role
) -> None:
    created = run(service.create(user(role), DRAFT))

    assert store.added == [(DRAFT, f"{role.value}-user", role.value, NOW)]
    assert (created.rule, created.subject, created.buurt, created.created_by) == (
        RULE,
        "hh:household0001",
        None,
        f"{role.value}-user",
    )


@pytest.mark.parametrize("role", [Role.LIAISON, Role.RESIDENT])
def test_other_roles_may_not_see_create_or_end_silences(
    service: SilenceService, store: RecordingStore, role: Role
) -> None:
    with pytest.raises(SilenceForbiddenError):
        run(service.create(user(role), DRAFT))
    with pytest.raises(SilenceForbiddenError):
        run(service.expire(user(role), 1))
    with pytest.raises(SilenceForbiddenError):
        run(service.listing(user(role)))
    assert store.added == [] and store.expired == []


def test_expiring_passes_who_and_when(service: SilenceService, store: RecordingStore) -> None:
    run(service.expire(user(Role.ADMIN), 7))

    assert store.expired == [(7, "admin-user", "admin", NOW)]


def test_a_buurt_silence_is_normalised(service: SilenceService, store: RecordingStore) -> None:
    draft = replace(DRAFT, subject="  ", buurt=" bu0363ad05 ", reason="  Wijkaanpak loopt  ")

    run(service.create(user(Role.TASKFORCE), draft))

    stored = store.added[0][0]
    assert (stored.subject, stored.buurt, stored.reason) == (None, BUURT, "Wijkaanpak loopt")


def test_the_rules_are_those_of_the_loaded_pack(service: SilenceService) -> None:
    assert set(service.rules) == {rule.id for rule in load_rules()}
    assert service.rules[RULE].title


@pytest.mark.parametrize(
    ("changes", "field_name", "problem"),
    [
        ({"rule": "no-such-rule"}, "rule", "unknown"),
        ({"subject": None}, "target", "one_of"),
        ({"buurt": BUURT}, "target", "one_of"),
        ({"subject": "household0001"}, "subject", "invalid"),
        ({"subject": "hh:short"}, "subject", "invalid"),
        ({"subject": "ini:initiative01"}, "subject", "kind"),
        ({"subject": None, "buurt": "BU0363ZZ99"}, "buurt", "unknown"),
        ({"subject": None, "buurt": "Dam"}, "buurt", "unknown"),
        ({"reason": "ok"}, "reason", "length"),
        ({"reason": "   ab   "}, "reason", "length"),
        ({"reason": "x" * 501}, "reason", "length"),
        ({"ends_at": NOW}, "ends_at", "past"),
        ({"ends_at": NOW - timedelta(days=1)}, "ends_at", "past"),
        ({"ends_at": NOW + timedelta(days=365, seconds=1)}, "ends_at", "too_far"),
        ({"ends_at": datetime(2026, 12, 1, 0, 0)}, "ends_at", "naive"),
    ],
)
def test_an_invalid_silence_is_refused_with_its_field_and_problem(
    service: SilenceService, store: RecordingStore, changes: dict[str, Any], field_name: str, problem: str
) -> None:
    with pytest.raises(InvalidSilenceError) as caught:
        run(service.create(user(Role.TASKFORCE), replace(DRAFT, **changes)))

    assert caught.value.details == [{"field": field_name, "problem": problem}]
    assert store.added == []


@pytest.mark.parametrize(
    "changes",
    [
        {"reason": "abc"},
        {"reason": "x" * 500},
        {"ends_at": NOW + timedelta(days=365)},
        {"ends_at": NOW + timedelta(seconds=1)},
        {"rule": INITIATIVE_RULE, "subject": "ini:initiative01"},
    ],
)
def test_the_limits_themselves_are_accepted(
    service: SilenceService, store: RecordingStore, changes: dict[str, Any]
) -> None:
    run(service.create(user(Role.TASKFORCE), replace(DRAFT, **changes)))

    assert len(store.added) == 1
