"""CBS area codes: the buurtcode pattern and the wijk code a buurtcode belongs to."""

from __future__ import annotations

import re

# BU + gemeentecode (4 digits) + wijk (2) + buurt (2). Written with [0-9], because \d also
# matches non-ASCII digits.
BUURTCODE_PATTERN = re.compile(r"BU[0-9]{4}[0-9A-Z]{4}")


def is_buurtcode(value: str) -> bool:
    """Whether ``value`` is a well-formed CBS buurtcode such as ``BU0363AE01``."""
    return BUURTCODE_PATTERN.fullmatch(value) is not None


def wijk_suffix_of(buurtcode: str) -> str:
    """The two-character wijk part of a buurtcode: ``AE`` for ``BU0363AE01``."""
    return buurtcode[6:8]


def wijk_code_of(buurtcode: str) -> str:
    """The CBS wijk code a buurtcode belongs to: ``WK0363AE`` for ``BU0363AE01``."""
    return "WK" + buurtcode[2:8]
