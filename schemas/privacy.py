"""The BSN guard: find and redact numbers that could be a BSN (burgerservicenummer).

A BSN could hide in a run of exactly nine ASCII digits that stands as a word of its own and passes the
11-proef (``stdnum.nl.bsn``). "A word of its own" means: not preceded by ``[A-Za-z0-9_-]`` nor by
``<digit>.`` (a decimal), and not followed by ``[A-Za-z0-9_-]`` nor by ``.<digit>``. A nine-digit run inside a
hex id, uuid, pseudonym part or longer number is therefore not flagged, while ``BSN 123456782.``,
``hh:123456782`` and the integer ``123456782`` are. Integral floats are treated like integers. Nothing here
ever puts a matched value in a message.

Walks are iterative, so deeply nested input cannot exhaust the interpreter stack.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import orjson
from stdnum.nl import bsn

REDACTED = "[REDACTED]"

_CANDIDATE_RE = re.compile(r"(?<![A-Za-z0-9_-])(?<![0-9]\.)[0-9]{9}(?![A-Za-z0-9_-])(?!\.[0-9])")
_NINE_DIGITS_RE = re.compile(r"[0-9]{9}")
# Nine digits that end a word in JSON text: not followed by a word character nor by a decimal part. No
# condition on what precedes (see `_holds_bsn`); `.0` is let through, it ends an integral float.
_WORD_END_DIGITS_BYTES_RE = re.compile(rb"[0-9]{9}(?![A-Za-z0-9_-]|\.[1-9])")
# Every digit as "0", every other byte as "x": a run of nine digits is then a plain substring search.
_DIGITS_AS_ZERO = bytes(0x30 if 0x30 <= byte <= 0x39 else 0x78 for byte in range(256))
_NINE_ZEROS = b"0" * 9


def _holds_bsn(value: Any) -> bool:
    """Whether anything in `value` (keys included) could be a BSN: the exact test of the full walk, without
    building paths, so that the common case (nothing) costs a few microseconds per event.

    First a filter in C: a value whose JSON text has no run of nine digits that ends a word holds no BSN
    (looked for with a regular expression only when a substring search finds nine digits in a row at all).
    JSON never escapes a digit, so every string, key and number in range appears with its digits intact,
    and what follows a candidate in a string is in the text either as it is or as an escape's backslash
    (an integral float is written with ``.0``); values orjson cannot write, such as cycles or integers
    beyond 64 bits, skip the filter. The filter must not look at what precedes a run: an escaped control
    character before a number (``\\u0010``) adds digits in the text that the string does not have. Looking
    at what follows is what lets pseudonyms through cheaply: a run of nine digits inside 32 hex characters
    is common, one at their end is not.
    """
    try:
        text = orjson.dumps(value, default=str, option=orjson.OPT_NON_STR_KEYS)
    except TypeError:  # orjson.JSONEncodeError: too deep, a cycle, an integer beyond 64 bits
        text = None
    if text is not None and (
        _NINE_ZEROS not in text.translate(_DIGITS_AS_ZERO) or _WORD_END_DIGITS_BYTES_RE.search(text) is None
    ):
        return False
    return _walk_holds_bsn(value)


def _walk_holds_bsn(value: Any) -> bool:
    """`_holds_bsn` by walking the value; a string gets the word-boundary test and the 11-proef only when
    it has a run of nine digits at all."""
    stack: list[Any] = [value]
    seen: set[int] = set()
    while stack:
        current = stack.pop()
        kind = type(current)  # exact types first: isinstance against the Mapping ABC is slow
        if kind is str:
            if _NINE_DIGITS_RE.search(current) is not None and text_has_bsn(current):
                return True
        elif kind is int or kind is float:
            if _number_is_bsn(current):
                return True
        elif kind is dict or kind is list or kind is tuple or isinstance(current, Mapping | list | tuple):
            if id(current) in seen:
                continue
            seen.add(id(current))
            if isinstance(current, Mapping):
                for key, child in current.items():
                    stack.append(key)
                    stack.append(child)
            else:
                stack.extend(current)
        elif _scalar_has_bsn(current):
            return True
    return False


def _passes_11_proef(digits: str) -> bool:
    return int(digits) > 0 and bool(bsn.is_valid(digits))


def text_has_bsn(text: str) -> bool:
    """Whether a string contains a word that could be a BSN."""
    return any(_passes_11_proef(match.group()) for match in _CANDIDATE_RE.finditer(text))


def redact_text(text: str) -> str:
    """Replace each word of a string that could be a BSN by ``[REDACTED]``."""
    return _CANDIDATE_RE.sub(
        lambda match: REDACTED if _passes_11_proef(match.group()) else match.group(),
        text,
    )


def _number_is_bsn(value: int | float) -> bool:
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            return False
        value = int(value)
    return 100_000_000 <= value <= 999_999_999 and _passes_11_proef(str(value))


def _scalar_has_bsn(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, str):
        return text_has_bsn(value)
    if isinstance(value, int | float):
        return _number_is_bsn(value)
    if isinstance(value, bytes | bytearray):
        return text_has_bsn(bytes(value).decode("utf-8", errors="replace"))
    return False


def _key_path(parent: str, key: Any) -> str:
    name = redact_text(str(key))
    return f"{parent}.{name}" if parent else name


def find_bsn_fields(value: Any, path: str = "") -> list[str]:
    """Return the dotted paths (``data.note``, ``data.items[2]``, ``subject``) where a BSN could hide.

    Dicts (keys included), lists and tuples are walked; strings, ints, floats and bytes are checked. A hit in
    a dict key is reported under the key's own path with the key redacted, so no path contains the number.
    Each path is reported once, in document order.
    """
    if not _holds_bsn(value):
        return []
    found: list[str] = []
    seen_paths: set[str] = set()
    seen_containers: set[int] = set()
    # Each entry: the value, its path, and whether the dict key that leads to it could be a BSN.
    stack: list[tuple[Any, str, bool]] = [(value, path, False)]

    def hit(where: str) -> None:
        if where not in seen_paths:
            seen_paths.add(where)
            found.append(where)

    while stack:
        current, where, key_flagged = stack.pop()
        if key_flagged:
            hit(where)
        if isinstance(current, Mapping | list | tuple):
            if id(current) in seen_containers:
                continue
            seen_containers.add(id(current))
            if isinstance(current, Mapping):
                children = [
                    (child, _key_path(where, key), _scalar_has_bsn(key)) for key, child in current.items()
                ]
            else:
                children = [(child, f"{where}[{index}]", False) for index, child in enumerate(current)]
            stack.extend(reversed(children))
        elif _scalar_has_bsn(current):
            hit(where)
    return found


def _redact_scalar(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, int | float):
        return REDACTED if _number_is_bsn(value) else value
    if isinstance(value, bytes | bytearray):
        return redact_text(bytes(value).decode("utf-8", errors="replace"))
    return value


def _unique_key(target: dict[Any, Any], key: Any) -> Any:
    redacted = _redact_scalar(key)
    if redacted not in target:
        return redacted
    counter = 2
    while f"{redacted}#{counter}" in target:
        counter += 1
    return f"{redacted}#{counter}"


def redact(value: Any) -> Any:
    """Return a deep copy of ``value`` with every possible BSN replaced by ``"[REDACTED]"``.

    Strings keep their other text; ints and integral floats that could be a BSN become the string; dict keys
    are redacted too (a key that would collide after redaction gets a ``#n`` suffix). Mappings become dicts,
    lists and tuples become lists, bytes become replacement-decoded strings; other objects are returned as is.
    """
    root: list[Any] = [None]
    copies: dict[int, Any] = {}
    stack: list[tuple[Any, Any, Any]] = [(value, root, 0)]
    while stack:
        current, target, slot = stack.pop()
        if isinstance(current, Mapping | list | tuple):
            if id(current) in copies:
                target[slot] = copies[id(current)]
                continue
            pending: list[tuple[Any, Any, Any]] = []
            if isinstance(current, Mapping):
                new_dict: dict[Any, Any] = {}
                for key, child in current.items():
                    new_key = _unique_key(new_dict, key)
                    new_dict[new_key] = None
                    pending.append((child, new_dict, new_key))
                copies[id(current)] = target[slot] = new_dict
            else:
                new_list: list[Any] = [None] * len(current)
                pending = [(child, new_list, index) for index, child in enumerate(current)]
                copies[id(current)] = target[slot] = new_list
            stack.extend(reversed(pending))
        else:
            target[slot] = _redact_scalar(current)
    return root[0]
