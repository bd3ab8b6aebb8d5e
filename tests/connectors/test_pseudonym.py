"""Pseudonyms: keyed, stable, normalised, never revealing the value."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from connectors.errors import ConfigError
from connectors.pseudonym import Pseudonymiser
from schemas.identifiers import SUBJECT_RE

KEY = b"a-test-key-of-32-bytes-----------"


def test_the_same_value_gets_the_same_pseudonym_whatever_its_spacing_and_case() -> None:
    one = Pseudonymiser(KEY)
    assert one.pseudonym("hh", "0363010000654321") == Pseudonymiser(KEY).pseudonym("hh", " 0363010000654321 ")
    assert one.pseudonym("loc", "Dapperstraat 1 H") == one.pseudonym("loc", "dapperstraat  1 h")


def test_another_key_kind_or_value_gives_another_pseudonym() -> None:
    base = Pseudonymiser(KEY).pseudonym("hh", "0363010000654321")
    assert Pseudonymiser(KEY[::-1]).pseudonym("hh", "0363010000654321") != base
    assert Pseudonymiser(KEY).pseudonym("loc", "0363010000654321").split(":")[1] != base.split(":")[1]
    assert Pseudonymiser(KEY).pseudonym("hh", "0363010000654322") != base


def test_a_pseudonym_is_a_valid_subject_and_hides_the_value() -> None:
    value = "0363010000654321"
    pseudonym = Pseudonymiser(KEY).pseudonym("hh", value)
    assert SUBJECT_RE.fullmatch(pseudonym)
    assert pseudonym.startswith("hh:") and value not in pseudonym


def test_points_in_one_25_m_cell_share_a_pseudonym_and_far_points_do_not() -> None:
    pseudonymiser = Pseudonymiser(KEY)
    here = pseudonymiser.point(52.362100, 4.927900)
    assert pseudonymiser.point(52.362100, 4.927900) == here
    assert pseudonymiser.point(52.362100 + 0.0010, 4.927900) != here  # about 110 m north
    assert here.startswith("loc:")


def test_a_short_key_and_a_missing_variable_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="at least 16 bytes"):
        Pseudonymiser(b"short")
    monkeypatch.delenv("WB_TEST_PSEUDONYM_KEY", raising=False)
    with pytest.raises(ConfigError, match="WB_TEST_PSEUDONYM_KEY is not set") as caught:
        Pseudonymiser.from_env("WB_TEST_PSEUDONYM_KEY", file="c.yaml")
    assert caught.value.field == "pseudonymisation.key_env" and caught.value.file == "c.yaml"
    monkeypatch.setenv("WB_TEST_PSEUDONYM_KEY", "tiny")
    with pytest.raises(ConfigError, match="shorter than 16 bytes"):
        Pseudonymiser.from_env("WB_TEST_PSEUDONYM_KEY")


def test_a_pseudonym_is_the_keyed_hmac_sha256_of_kind_and_normalised_value() -> None:
    # Pinned: a pseudonym may never change between versions, or one household becomes two.
    key = b"k" * 32
    expected = hmac.new(key, b"hh\x001012ab 1-h", hashlib.sha256).hexdigest()[:32]
    assert Pseudonymiser(key).pseudonym("hh", " 1012AB  1-H ") == f"hh:{expected}"
