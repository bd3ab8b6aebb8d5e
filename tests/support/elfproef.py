"""Numbers that a BSN guard must catch: nine digits passing the 11-proef, built here, not copied."""

from __future__ import annotations

import random

WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2)


def passes_11_proef(digits: str) -> bool:
    """The BSN 11-proef: 9*d1 + 8*d2 + ... + 2*d8 - d9 is a multiple of 11 (and not all zeros)."""
    if len(digits) != 9 or not digits.isdigit() or int(digits) == 0:
        return False
    total = sum(weight * int(digit) for weight, digit in zip(WEIGHTS, digits, strict=False))
    return (total - int(digits[8])) % 11 == 0


def bsn_like(seed: int) -> str:
    """A nine-digit number (first digit not 0) that passes the 11-proef, different per seed."""
    rng = random.Random(seed)
    while True:
        head = [rng.randint(1, 9), *(rng.randint(0, 9) for _ in range(7))]
        check = sum(weight * digit for weight, digit in zip(WEIGHTS, head, strict=True)) % 11
        if check < 10:
            number = "".join(str(digit) for digit in head) + str(check)
            assert passes_11_proef(number)
            return number
