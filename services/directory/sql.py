"""The directory on SQLAlchemy (SQLite or PostgreSQL)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from schemas.identifiers import BUURTCODE_RE, ORG_SLUG_RE, Domain
from services.db import models
from services.db.types import utcnow
from services.directory.errors import (
    InvalidDirectoryEntryError,
    OrganisationExistsError,
    UnknownOrganisationError,
    UnknownUserError,
    UserExistsError,
)
from services.directory.model import IssuedCredential, Organisation, Role, User
from services.security.tokens import TokenKind, hash_token, new_token

USER_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,99}$")


class SqlDirectoryStore:
    """DirectoryStore on a SQLAlchemy session factory."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    # organisations -------------------------------------------------------------------------------

    def add_organisation(self, slug: str, domain: Domain, name: str) -> tuple[Organisation, IssuedCredential]:
        if not re.fullmatch(ORG_SLUG_RE, slug):
            raise InvalidDirectoryEntryError(
                f"organisation slug {slug!r} must be 2-63 characters of a-z, 0-9 and '-', starting with a "
                "letter or digit"
            )
        if domain is Domain.TASKFORCE:
            raise InvalidDirectoryEntryError("no organisation has domain 'taskforce': wijkbrug publishes it")
        token = new_token(TokenKind.ORGANISATION)
        with self._sessions.begin() as session:
            if session.scalar(select(models.Organisation.id).where(models.Organisation.slug == slug)):
                raise OrganisationExistsError(f"organisation {slug!r} exists already")
            row = models.Organisation(slug=slug, domain=domain.value, name=name or slug)
            row.tokens.append(models.OrgToken(token_hash=hash_token(token)))
            session.add(row)
            try:
                session.flush()
            except IntegrityError as exc:
                raise OrganisationExistsError(f"organisation {slug!r} exists already") from exc
            return _organisation(row), IssuedCredential(token)

    def issue_org_token(self, slug: str) -> IssuedCredential:
        token = new_token(TokenKind.ORGANISATION)
        with self._sessions.begin() as session:
            org_id = session.scalar(select(models.Organisation.id).where(models.Organisation.slug == slug))
            if org_id is None:
                raise UnknownOrganisationError(f"no organisation {slug!r}")
            session.add(models.OrgToken(org_id=org_id, token_hash=hash_token(token)))
        return IssuedCredential(token)

    def organisations(self) -> Sequence[Organisation]:
        with self._sessions() as session:
            rows = session.scalars(select(models.Organisation).order_by(models.Organisation.slug))
            return [_organisation(row) for row in rows]

    def organisation(self, slug: str) -> Organisation | None:
        with self._sessions() as session:
            row = session.scalar(select(models.Organisation).where(models.Organisation.slug == slug))
            return _organisation(row) if row else None

    def organisation_for_token(self, token: str) -> Organisation | None:
        with self._sessions() as session:
            row = session.scalar(
                select(models.Organisation)
                .join(models.OrgToken)
                .where(models.OrgToken.token_hash == hash_token(token), models.OrgToken.revoked_at.is_(None))
            )
            return _organisation(row) if row else None

    # users ---------------------------------------------------------------------------------------

    def add_user(
        self,
        name: str,
        role: Role,
        *,
        org: str | None = None,
        buurten: Sequence[str] = (),
        password_hash: str | None = None,
    ) -> tuple[User, IssuedCredential]:
        _check_user_binding(name, role, org, buurten)
        token = new_token(TokenKind.USER)
        with self._sessions.begin() as session:
            if session.scalar(select(models.User.id).where(models.User.name == name)):
                raise UserExistsError(f"user {name!r} exists already")
            org_id = None
            if org is not None:
                org_id = session.scalar(select(models.Organisation.id).where(models.Organisation.slug == org))
                if org_id is None:
                    raise UnknownOrganisationError(f"no organisation {org!r}")
            unknown = _unknown_buurten(session, buurten)
            if unknown:
                raise InvalidDirectoryEntryError(f"unknown buurt code(s): {', '.join(unknown)}")
            row = models.User(name=name, role=role.value, org_id=org_id, password_hash=password_hash)
            row.buurten = [models.UserBuurt(buurt_code=code) for code in sorted(set(buurten))]
            row.tokens.append(models.UserToken(token_hash=hash_token(token)))
            session.add(row)
            try:
                session.flush()
            except IntegrityError as exc:
                raise UserExistsError(f"user {name!r} exists already") from exc
            return _user(row, org), IssuedCredential(token)

    def issue_user_token(self, name: str) -> IssuedCredential:
        token = new_token(TokenKind.USER)
        with self._sessions.begin() as session:
            user_id = session.scalar(
                select(models.User.id).where(models.User.name == name, models.User.disabled_at.is_(None))
            )
            if user_id is None:
                raise UnknownUserError(f"no enabled user {name!r}")
            session.add(models.UserToken(user_id=user_id, token_hash=hash_token(token)))
        return IssuedCredential(token)

    def set_password_hash(self, name: str, password_hash: str) -> None:
        with self._sessions.begin() as session:
            row = session.scalar(select(models.User).where(models.User.name == name))
            if row is None:
                raise UnknownUserError(f"no user {name!r}")
            row.password_hash = password_hash

    def user(self, name: str) -> User | None:
        with self._sessions() as session:
            return _load_user(session, models.User.name == name)

    def user_by_id(self, user_id: int) -> User | None:
        with self._sessions() as session:
            return _load_user(session, models.User.id == user_id)

    def password_hash(self, name: str) -> str | None:
        with self._sessions() as session:
            return session.scalar(
                select(models.User.password_hash).where(
                    models.User.name == name, models.User.disabled_at.is_(None)
                )
            )

    def user_for_token(self, token: str) -> User | None:
        with self._sessions() as session:
            user_id = session.scalar(
                select(models.UserToken.user_id).where(
                    models.UserToken.token_hash == hash_token(token), models.UserToken.revoked_at.is_(None)
                )
            )
            if user_id is None:
                return None
            return _load_user(session, models.User.id == user_id)

    def users(self) -> Sequence[User]:
        with self._sessions() as session:
            rows = session.scalars(
                select(models.User)
                .options(selectinload(models.User.buurten), selectinload(models.User.organisation))
                .order_by(models.User.name)
            )
            return [_user(row, row.organisation.slug if row.organisation else None) for row in rows]

    def disable_user(self, name: str) -> None:
        """Block a user's login and tokens without deleting their history."""
        with self._sessions.begin() as session:
            row = session.scalar(select(models.User).where(models.User.name == name))
            if row is None:
                raise UnknownUserError(f"no user {name!r}")
            row.disabled_at = utcnow()


def _check_user_binding(name: str, role: Role, org: str | None, buurten: Sequence[str]) -> None:
    if not USER_NAME_RE.fullmatch(name):
        raise InvalidDirectoryEntryError(
            f"user name {name!r} must be 2-100 characters of letters, digits and . _ @ -"
        )
    if role is Role.LIAISON and org is None:
        raise InvalidDirectoryEntryError("a liaison is bound to one organisation: give --org SLUG")
    if role is not Role.LIAISON and org is not None:
        raise InvalidDirectoryEntryError(f"only a liaison is bound to an organisation, not a {role.value}")
    if role is Role.RESIDENT and not buurten:
        raise InvalidDirectoryEntryError("a resident representative is bound to buurten: give --buurt CODE")
    if role is not Role.RESIDENT and buurten:
        raise InvalidDirectoryEntryError(f"only a resident is bound to buurten, not a {role.value}")
    bad = [code for code in buurten if not re.fullmatch(BUURTCODE_RE, code)]
    if bad:
        raise InvalidDirectoryEntryError(f"not a CBS buurtcode (BU + 8): {', '.join(bad)}")


def _unknown_buurten(session: Session, codes: Sequence[str]) -> list[str]:
    if not codes:
        return []
    known = set(session.scalars(select(models.BuurtRow.code).where(models.BuurtRow.code.in_(codes))))
    return sorted(set(codes) - known)


def _load_user(session: Session, condition: object) -> User | None:
    row = session.scalar(
        select(models.User)
        .options(selectinload(models.User.buurten), selectinload(models.User.organisation))
        .where(condition, models.User.disabled_at.is_(None))  # type: ignore[arg-type]
    )
    if row is None:
        return None
    return _user(row, row.organisation.slug if row.organisation else None)


def _organisation(row: models.Organisation) -> Organisation:
    return Organisation(slug=row.slug, domain=Domain(row.domain), name=row.name)


def _user(row: models.User, org: str | None) -> User:
    return User(
        id=row.id,
        name=row.name,
        role=Role(row.role),
        org=org,
        buurten=frozenset(b.buurt_code for b in row.buurten),
        has_password=row.password_hash is not None,
        disabled=row.disabled_at is not None,
    )
