"""The directory's storage interface; services depend on this, not on SQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from schemas.identifiers import Domain
from services.directory.model import IssuedCredential, Organisation, Role, User


class DirectoryStore(Protocol):
    """Organisations, users and their hashed API tokens."""

    def add_organisation(self, slug: str, domain: Domain, name: str) -> tuple[Organisation, IssuedCredential]:
        """Create an organisation with a first API token."""
        ...

    def issue_org_token(self, slug: str) -> IssuedCredential:
        """Add another API token to an organisation (rotation: issue, switch, revoke)."""
        ...

    def organisations(self) -> Sequence[Organisation]:
        """Every organisation, by slug."""
        ...

    def organisation(self, slug: str) -> Organisation | None:
        """One organisation, or None."""
        ...

    def organisation_for_token(self, token: str) -> Organisation | None:
        """The organisation that holds this (unrevoked) token, or None."""
        ...

    def add_user(
        self,
        name: str,
        role: Role,
        *,
        org: str | None = None,
        buurten: Sequence[str] = (),
        password_hash: str | None = None,
    ) -> tuple[User, IssuedCredential]:
        """Create a user with a first API token."""
        ...

    def issue_user_token(self, name: str) -> IssuedCredential:
        """A new API token for an enabled user (older tokens stay valid until revoked)."""
        ...

    def set_password_hash(self, name: str, password_hash: str) -> None:
        """Replace a user's web password hash."""
        ...

    def user(self, name: str) -> User | None:
        """One user by name, or None."""
        ...

    def user_by_id(self, user_id: int) -> User | None:
        """One user by id, or None (also for a disabled user)."""
        ...

    def password_hash(self, name: str) -> str | None:
        """The stored password hash of an enabled user, or None."""
        ...

    def user_for_token(self, token: str) -> User | None:
        """The enabled user that holds this (unrevoked) token, or None."""
        ...

    def users(self) -> Sequence[User]:
        """Every user, by name."""
        ...
