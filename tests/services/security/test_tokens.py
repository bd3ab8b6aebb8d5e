"""API tokens: random, prefixed by kind, looked up by their SHA-256; Bearer headers parsed strictly."""

from __future__ import annotations

import hashlib
import re

import pytest

from services.security.tokens import TokenKind, bearer_token, hash_token, new_token

#: 32 random bytes in URL-safe base64 without padding.
RANDOM_PART = r"[A-Za-z0-9_-]{43}"


@pytest.mark.parametrize(("kind", "prefix"), [(TokenKind.ORGANISATION, "wbo_"), (TokenKind.USER, "wbu_")])
def test_a_token_is_its_kind_prefix_and_256_random_bits(kind: TokenKind, prefix: str) -> None:
    token = new_token(kind)

    assert re.fullmatch(re.escape(prefix) + RANDOM_PART, token), token


def test_the_two_kinds_are_told_apart_by_their_prefix() -> None:
    assert new_token(TokenKind.ORGANISATION)[:4] != new_token(TokenKind.USER)[:4]


def test_tokens_do_not_repeat() -> None:
    tokens = [new_token(TokenKind.USER) for _ in range(500)]

    assert len(set(tokens)) == len(tokens)
    # Not only unique but unrelated: no shared random prefix beyond chance.
    assert len({token[4:12] for token in tokens}) == len(tokens)


@pytest.mark.parametrize("token", ["wbo_abc", new_token(TokenKind.USER), "", "ünïcode-tøken"])
def test_hash_token_is_the_hex_sha256_of_the_utf8_token(token: str) -> None:
    digest = hash_token(token)

    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert digest == hashlib.sha256(token.encode("utf-8")).hexdigest()
    assert hash_token(token) == digest


def test_different_tokens_hash_differently() -> None:
    token = new_token(TokenKind.ORGANISATION)

    assert hash_token(token) != hash_token(token + "x")
    assert hash_token(token) != hash_token(token.upper())


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("", None),
        ("   ", None),
        ("Bearer", None),
        ("Bearer ", None),
        ("Bearer    ", None),
        ("Basic d2JvOnNlY3JldA==", None),
        ("Token wbo_abc", None),
        ("Bearerwbo_abc", None),
        ("wbo_abc", None),
        ("Bearer wbo_abc", "wbo_abc"),
        ("bearer wbo_abc", "wbo_abc"),
        ("BEARER wbo_abc", "wbo_abc"),
        ("Bearer   wbo_abc", "wbo_abc"),
        ("  Bearer wbo_abc  ", "wbo_abc"),
        ("Bearer wbo_abc\t", "wbo_abc"),
    ],
    ids=[
        "missing",
        "empty",
        "blank",
        "scheme-only",
        "scheme-and-space",
        "scheme-and-spaces",
        "basic-scheme",
        "other-scheme",
        "no-space",
        "token-without-scheme",
        "bearer",
        "lower-case-scheme",
        "upper-case-scheme",
        "extra-inner-spaces",
        "surrounding-spaces",
        "trailing-tab",
    ],
)
def test_bearer_token(header: str | None, expected: str | None) -> None:
    assert bearer_token(header) == expected
