"""Identifier formats of the v1 contract: organisation slugs and sources, subjects, buurtcodes, domains.

Patterns use ``[0-9]`` rather than ``\\d`` so that Python, pydantic-core and JSON Schema (ECMA-262) agree on
ASCII digits; match them with ``fullmatch``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from enum import StrEnum
from types import MappingProxyType

from schemas.errors import InvalidIdentifierError

ORG_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
SOURCE_PREFIX = "urn:nl:wijkbrug:org:"
SOURCE_RE = re.compile(r"^urn:nl:wijkbrug:org:[a-z0-9][a-z0-9-]{1,62}$")
SUBJECT_RE = re.compile(r"^(hh|loc|ini|cx):[A-Za-z0-9_-]{8,128}$")
BUURTCODE_RE = re.compile(r"^BU[0-9]{4}[0-9A-Z]{4}$")
TYPE_PREFIX = "nl.wijkbrug."
TYPE_PREFIX_RE = re.compile(r"^nl\.wijkbrug\.")
TRACEPARENT_RE = re.compile(r"^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")
SCHEMA_BASE_URL = "https://wijkbrug.nl/schemas/v1/"


class SubjectKind(StrEnum):
    """The kind of pseudonymous subject, i.e. the prefix before the colon."""

    HOUSEHOLD = "hh"
    LOCATION = "loc"
    INITIATIVE = "ini"
    COMPLEX = "cx"


SUBJECT_KINDS: dict[str, SubjectKind] = {kind.value: kind for kind in SubjectKind}
"""The subject kinds by prefix (a lookup here is much cheaper than calling the enum, on every event)."""


class Domain(StrEnum):
    """The domain of an organisation and of the event types in the catalogue."""

    HOUSING = "housing"
    SOCIAL = "social"
    SAFETY = "safety"
    MUNICIPALITY = "municipality"
    RESIDENTS = "residents"
    TASKFORCE = "taskforce"


PUBLISHABLE_DOMAINS: Mapping[Domain, frozenset[Domain]] = MappingProxyType(
    {
        Domain.HOUSING: frozenset({Domain.HOUSING}),
        Domain.SOCIAL: frozenset({Domain.SOCIAL}),
        Domain.SAFETY: frozenset({Domain.SAFETY}),
        Domain.MUNICIPALITY: frozenset({Domain.MUNICIPALITY, Domain.RESIDENTS}),
        Domain.RESIDENTS: frozenset({Domain.RESIDENTS}),
    }
)
"""Which event type domains an organisation of a given domain may publish. Taskforce types are published by
wijkbrug itself only, so ``Domain.TASKFORCE`` is not a key."""

ORGANISATION_DOMAINS: frozenset[Domain] = frozenset(PUBLISHABLE_DOMAINS)
"""The domains an organisation can be registered with."""


def is_org_slug(value: str) -> bool:
    """Whether ``value`` is a valid organisation slug."""
    return ORG_SLUG_RE.fullmatch(value) is not None


def is_subject(value: str) -> bool:
    """Whether ``value`` is a valid subject pseudonym."""
    return SUBJECT_RE.fullmatch(value) is not None


def is_buurtcode(value: str) -> bool:
    """Whether ``value`` is a syntactically valid CBS buurtcode."""
    return BUURTCODE_RE.fullmatch(value) is not None


def source_for(slug: str) -> str:
    """The CloudEvents ``source`` of an organisation."""
    if not is_org_slug(slug):
        raise InvalidIdentifierError("not a valid organisation slug")
    return SOURCE_PREFIX + slug


def slug_from_source(source: str) -> str | None:
    """The organisation slug of a ``urn:nl:wijkbrug:org:<slug>`` source, or None if it is not of that form."""
    if not source.startswith(SOURCE_PREFIX):
        return None
    slug = source.removeprefix(SOURCE_PREFIX)
    return slug if is_org_slug(slug) else None


def subject_kind(subject: str) -> SubjectKind:
    """The kind of a subject pseudonym; raises InvalidIdentifierError if it is not one."""
    match = SUBJECT_RE.fullmatch(subject)
    if match is None:
        raise InvalidIdentifierError(
            "not a subject pseudonym of the form hh:|loc:|ini:|cx: + 8-128 characters"
        )
    return SUBJECT_KINDS[match.group(1)]


def subject_pattern(kinds: Iterable[SubjectKind]) -> str:
    """A subject regex (JSON Schema compatible) restricted to the given kinds."""
    alternatives = "|".join(sorted(kind.value for kind in kinds))
    if not alternatives:
        raise InvalidIdentifierError("at least one subject kind is required")
    return rf"^({alternatives}):[A-Za-z0-9_-]{{8,128}}$"
