from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.nl import bsn

from schemas.privacy import REDACTED, _scalar_has_bsn, find_bsn_fields, redact, redact_text, text_has_bsn


def with_check_digit(first_eight: str) -> str:
    """Complete eight digits to a number that passes the 11-proef (independent of stdnum)."""
    check = sum((9 - position) * int(digit) for position, digit in enumerate(first_eight)) % 11
    if check == 10:
        raise ValueError("no check digit makes these eight digits pass")
    return first_eight + str(check)


BSN = with_check_digit("12345678")
OTHER = with_check_digit("11122233")
LEADING_ZERO = with_check_digit("01234567")
NOT_PROEF = "123456789"


def test_helper_agrees_with_stdnum() -> None:
    assert (BSN, OTHER, LEADING_ZERO) == ("123456782", "111222333", "012345672")
    for number in (BSN, OTHER, LEADING_ZERO):
        assert bsn.is_valid(number)
    assert not bsn.is_valid(NOT_PROEF)
    assert not bsn.is_valid("000000000")


@pytest.mark.parametrize(
    "text",
    [
        BSN,
        f"BSN {BSN}.",
        f"hh:{BSN}",
        f'"{BSN}"',
        f"({BSN})",
        f"{BSN},{OTHER}",
        f"bsn={BSN}",
        f"nr.{BSN}",
        f"klant {BSN}\n",
        f"{BSN}!",
        f"tel: {LEADING_ZERO}",
        f"a b {BSN} c",
        f"{BSN}/x",
    ],
)
def test_flagged_strings(text: str) -> None:
    assert text_has_bsn(text)
    assert find_bsn_fields(text, "data.note") == ["data.note"]
    redacted = redact_text(text)
    assert BSN not in redacted
    assert LEADING_ZERO not in redacted
    assert REDACTED in redacted


@pytest.mark.parametrize(
    "text",
    [
        f"a1{BSN}b",
        f"deadbeef{BSN}cafe",
        f"{BSN}0",
        f"1{BSN}",
        f"{BSN}.5",
        f"1.{BSN}",
        f"_{BSN}",
        f"-{BSN}",
        f"{BSN}-x",
        f"{BSN}_",
        f"x{BSN}",
        NOT_PROEF,
        "000000000",
        f"{BSN[:4]}.{BSN[4:6]}.{BSN[6:]}",
        "550e8400-e29b-41d4-a716-446655440000",
        "hh:7f3a9c2e5b1d4f60",
        "",
    ],
)
def test_not_flagged_strings(text: str) -> None:
    assert not text_has_bsn(text)
    assert find_bsn_fields(text, "data.note") == []
    assert redact_text(text) == text


@pytest.mark.parametrize(
    ("value", "flagged"),
    [
        (int(BSN), True),
        (float(BSN), True),
        (int(NOT_PROEF), False),
        (int(BSN) * 10, False),
        (float(BSN) + 0.5, False),
        (-int(BSN), False),
        (int(LEADING_ZERO), False),  # 8 digits as an int: not a nine-digit run
        (True, False),
        (0, False),
        (float("inf"), False),
        (None, False),
    ],
)
def test_numbers(value: Any, flagged: bool) -> None:
    assert find_bsn_fields(value, "data.n") == (["data.n"] if flagged else [])
    assert redact(value) == (REDACTED if flagged else value)


def test_nan_is_not_flagged() -> None:
    assert find_bsn_fields(float("nan")) == []


def test_nested_paths_in_document_order() -> None:
    event = {
        "subject": f"hh:{BSN}",
        "id": "ok",
        "data": {
            "note": f"see {OTHER}",
            "items": ["a", "b", int(BSN)],
            "nested": [{"deep": [{"x": BSN}]}],
            "clean": "550e8400-e29b-41d4-a716-446655440000",
        },
    }
    assert find_bsn_fields(event) == [
        "subject",
        "data.note",
        "data.items[2]",
        "data.nested[0].deep[0].x",
    ]
    assert find_bsn_fields(event["data"], "data") == [
        "data.note",
        "data.items[2]",
        "data.nested[0].deep[0].x",
    ]


def test_dict_keys_are_scanned_without_echoing() -> None:
    value = {"data": {BSN: "x", f"k {OTHER}": {"inner": 1}}}
    paths = find_bsn_fields(value)
    assert paths == ["data.[REDACTED]", "data.k [REDACTED]"]
    assert all(BSN not in path and OTHER not in path for path in paths)


def test_children_of_a_bsn_key_use_the_redacted_path() -> None:
    assert find_bsn_fields({BSN: {"x": OTHER}}) == ["[REDACTED]", "[REDACTED].x"]


def test_redact_is_a_deep_copy_without_the_numbers() -> None:
    original = {
        "subject": f"hh:{BSN}",
        "data": {"items": [1, int(BSN), (OTHER, "ok")], BSN: "key", "amount": 12.5, "flag": True},
    }
    cleaned = redact(original)
    assert cleaned == {
        "subject": "hh:[REDACTED]",
        "data": {"items": [1, REDACTED, [REDACTED, "ok"]], REDACTED: "key", "amount": 12.5, "flag": True},
    }
    assert original["subject"] == f"hh:{BSN}"
    assert find_bsn_fields(cleaned) == []
    assert BSN not in repr(cleaned)
    assert OTHER not in repr(cleaned)


def test_redact_keeps_colliding_keys_apart() -> None:
    cleaned = redact({BSN: 1, OTHER: 2})
    assert cleaned == {REDACTED: 1, f"{REDACTED}#2": 2}


def test_redact_bytes() -> None:
    assert redact(f"x {BSN} \xff".encode("latin-1")) == "x [REDACTED] \ufffd"
    assert find_bsn_fields(BSN.encode(), "raw") == ["raw"]


def test_deeply_nested_input_does_not_exhaust_the_stack() -> None:
    root: list[Any] = []
    current = root
    for _ in range(50_000):
        child: list[Any] = []
        current.append(child)
        current = child
    current.append(BSN)
    paths = find_bsn_fields(root)
    assert len(paths) == 1
    assert paths[0].endswith("[0]")
    cleaned = redact(root)
    assert find_bsn_fields(cleaned) == []


def test_cycles_terminate() -> None:
    cyclic: list[Any] = [BSN]
    cyclic.append(cyclic)
    assert find_bsn_fields(cyclic) == ["[0]"]
    cleaned = redact(cyclic)
    assert cleaned[0] == REDACTED
    assert cleaned[1] is cleaned


@pytest.mark.parametrize("before", ["\x10", "\x01", "\t", "\n", '"', "\\"])
def test_a_bsn_after_a_character_that_json_escapes_is_found(before: str) -> None:
    # The JSON text of "\x10" + BSN is `"\u0010" + BSN`: the escape's digits run into the number there.
    document = {"data": {"note": before + BSN}, before + OTHER: 1}
    assert find_bsn_fields(document) == ["data.note", redact_text(before + OTHER)]


_TEXT = st.text(
    alphabet=st.sampled_from(
        [*"0123456789", "a", "F", "_", "-", ".", " ", ":", "\x00", "\x10", "\n", '"', "\\", "é", "/"]
    )
)
_SCALARS = st.one_of(
    _TEXT,
    st.sampled_from(
        [
            *(BSN, OTHER, f"x{BSN}", f"\x10{BSN}", f"{BSN}.5", f"{BSN}.0", f"{BSN}.", f"{BSN}é", NOT_PROEF),
            *(f"{BSN}a", f"{BSN}_", f"{BSN}-", f"{BSN}\n", f'{BSN}"', f"{BSN}\\", f"hh:ab{BSN}", f"{BSN}.x"),
        ]
    ),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([int(BSN), float(BSN), float(OTHER) + 0.5]),
    st.floats(allow_nan=True),
    st.booleans(),
    st.none(),
)
_DOCUMENTS = st.recursive(
    _SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_TEXT, children, max_size=4),
    max_leaves=12,
)


def _walk_finds(value: Any) -> bool:
    """Whether the plain walk, without any fast path, finds a BSN in a scalar or key."""
    if isinstance(value, dict):
        return any(_scalar_has_bsn(key) or _walk_finds(child) for key, child in value.items())
    if isinstance(value, list):
        return any(_walk_finds(child) for child in value)
    return _scalar_has_bsn(value)


@settings(max_examples=400, deadline=None)
@given(_DOCUMENTS)
def test_the_fast_path_misses_nothing_the_walk_finds(document: Any) -> None:
    assert bool(find_bsn_fields(document)) == _walk_finds(document)
