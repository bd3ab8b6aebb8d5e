"""Value objects of the directory: organisations, users and the principals that tokens resolve to."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property

from schemas.identifiers import Domain, source_for


class Role(StrEnum):
    """The roles of PRODUCT.md; what each may see and do is decided in services.access."""

    TASKFORCE = "taskforce"
    LIAISON = "liaison"
    RESIDENT = "resident"
    ADMIN = "admin"


@dataclass(frozen=True)
class Organisation:
    """A partner organisation and the CloudEvents source it publishes as."""

    slug: str
    domain: Domain
    name: str

    @cached_property
    def source(self) -> str:
        """``urn:nl:wijkbrug:org:<slug>`` (read for every event of a batch, so computed once)."""
        return source_for(self.slug)


@dataclass(frozen=True)
class User:
    """A person with one role; liaisons are bound to an organisation, residents to buurten."""

    id: int
    name: str
    role: Role
    org: str | None = None
    buurten: frozenset[str] = field(default_factory=frozenset)
    has_password: bool = False
    disabled: bool = False


@dataclass(frozen=True)
class IssuedCredential:
    """A freshly created token; the plain token is shown once and never stored."""

    token: str
