"""Web passwords: argon2id hashes, a minimal length policy, and no match without a stored hash."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from services.errors import InvalidInputError
from services.security.passwords import (
    MIN_PASSWORD_LENGTH,
    PasswordPolicyError,
    hash_password,
    verify_password,
)

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def hasher() -> PasswordHasher:
    # The real parameters are deliberately slow; the tests only need the algorithm.
    return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def test_a_password_is_hashed_with_argon2id_and_salted(hasher: PasswordHasher) -> None:
    first = hash_password(hasher, PASSWORD)
    second = hash_password(hasher, PASSWORD)

    assert first.startswith("$argon2id$")
    assert PASSWORD not in first
    assert first != second


@pytest.mark.parametrize(
    ("candidate", "matches"),
    [(PASSWORD, True), (PASSWORD + " ", False), (PASSWORD.upper(), False), ("", False)],
    ids=["same", "trailing-space", "other-case", "empty"],
)
def test_verify_matches_only_the_same_password(hasher: PasswordHasher, candidate: str, matches: bool) -> None:
    stored = hash_password(hasher, PASSWORD)

    assert verify_password(hasher, stored, candidate) is matches


def test_verify_works_with_a_hash_made_with_other_parameters(hasher: PasswordHasher) -> None:
    stored = hash_password(PasswordHasher(time_cost=2, memory_cost=16, parallelism=2), PASSWORD)

    # Parameters travel inside the hash, so another hasher instance can still verify it.
    assert verify_password(hasher, stored, PASSWORD)
    assert not verify_password(hasher, stored, "wrong password")


@pytest.mark.parametrize("stored", [None, ""], ids=["none", "empty"])
def test_a_user_without_a_password_never_matches(hasher: PasswordHasher, stored: str | None) -> None:
    assert verify_password(hasher, stored, PASSWORD) is False
    assert verify_password(hasher, stored, "") is False


@pytest.mark.parametrize("stored", ["not-a-hash", "$argon2id$v=19$broken", "$2b$12$bcryptstylehash"])
def test_a_malformed_stored_hash_does_not_match(hasher: PasswordHasher, stored: str) -> None:
    assert verify_password(hasher, stored, PASSWORD) is False


@pytest.mark.parametrize("length", [0, 1, MIN_PASSWORD_LENGTH - 1])
def test_a_short_password_is_refused(hasher: PasswordHasher, length: int) -> None:
    with pytest.raises(PasswordPolicyError, match=str(MIN_PASSWORD_LENGTH)):
        hash_password(hasher, "x" * length)


def test_the_minimum_length_is_enough(hasher: PasswordHasher) -> None:
    password = "x" * MIN_PASSWORD_LENGTH

    assert verify_password(hasher, hash_password(hasher, password), password)


def test_the_policy_error_is_an_input_error() -> None:
    assert issubclass(PasswordPolicyError, InvalidInputError)
    assert MIN_PASSWORD_LENGTH >= 8
