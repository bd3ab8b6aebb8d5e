"""SqlDirectoryStore: organisations and users, their bindings, and tokens that are only stored hashed."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import pytest
from sqlalchemy import Engine, MetaData, select
from sqlalchemy.orm import Session, sessionmaker

from schemas.identifiers import Domain
from services.db import models
from services.directory.errors import (
    InvalidDirectoryEntryError,
    OrganisationExistsError,
    UnknownOrganisationError,
    UnknownUserError,
    UserExistsError,
)
from services.directory.model import Role
from services.directory.sql import SqlDirectoryStore

pytestmark = pytest.mark.db


#: The tables this store writes, children first; emptied before every test.
TABLES = (models.UserToken, models.UserBuurt, models.User, models.OrgToken, models.Organisation)


@pytest.fixture
def store(sessions: sessionmaker[Session]) -> SqlDirectoryStore:
    return SqlDirectoryStore(sessions)


@pytest.fixture
def buurt_codes(sessions: sessionmaker[Session]) -> list[str]:
    """Two buurtcodes that the test database knows."""
    with sessions() as session:
        codes = list(session.scalars(select(models.BuurtRow.code).order_by(models.BuurtRow.code).limit(2)))
    assert len(codes) == 2
    return codes


@pytest.fixture
def woco(store: SqlDirectoryStore) -> str:
    """An organisation that the refusal tests may bind users to."""
    store.add_organisation("woco", Domain.HOUSING, "Woco")
    return "woco"


def _nothing_added(store: SqlDirectoryStore) -> None:
    assert [org.slug for org in store.organisations()] == ["woco"]
    assert store.users() == []


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _every_stored_value(engine: Engine) -> list[str]:
    """Every value in every table but the reference buurten, as text."""
    tables = MetaData()
    tables.reflect(engine)
    with engine.connect() as connection:
        return [
            str(value)
            for table in tables.sorted_tables
            if table.name != models.BuurtRow.__tablename__
            for row in connection.execute(select(table))
            for value in row
        ]


# organisations ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("slug", ["ab", "woco-oost", "9lives", "a" * 63])
def test_an_organisation_with_a_valid_slug_is_added(store: SqlDirectoryStore, slug: str) -> None:
    organisation, credential = store.add_organisation(slug, Domain.HOUSING, "Woningcorporatie")

    assert (organisation.slug, organisation.domain, organisation.name) == (
        slug,
        Domain.HOUSING,
        "Woningcorporatie",
    )
    assert organisation.source == f"urn:nl:wijkbrug:org:{slug}"
    assert store.organisation(slug) == organisation
    assert store.organisation_for_token(credential.token) == organisation


@pytest.mark.parametrize(
    "slug",
    ["a", "a" * 64, "Woco", "-woco", "woco_oost", "woco oost", "woco.oost", "", "wöco"],
    ids=[
        "too-short",
        "too-long",
        "upper-case",
        "leading-dash",
        "underscore",
        "space",
        "dot",
        "empty",
        "umlaut",
    ],
)
def test_an_invalid_slug_is_refused(store: SqlDirectoryStore, woco: str, slug: str) -> None:
    with pytest.raises(InvalidDirectoryEntryError):
        store.add_organisation(slug, Domain.HOUSING, "Woco")

    _nothing_added(store)


def test_the_taskforce_domain_is_refused(store: SqlDirectoryStore, woco: str) -> None:
    with pytest.raises(InvalidDirectoryEntryError, match="taskforce"):
        store.add_organisation("ontschotting", Domain.TASKFORCE, "Taskforce")

    _nothing_added(store)


def test_a_duplicate_slug_is_refused_and_the_first_organisation_kept(store: SqlDirectoryStore) -> None:
    first, credential = store.add_organisation("woco-oost", Domain.HOUSING, "Woco Oost")

    with pytest.raises(OrganisationExistsError):
        store.add_organisation("woco-oost", Domain.SOCIAL, "Someone else")

    assert store.organisations() == [first]
    assert store.organisation_for_token(credential.token) == first


def test_organisations_are_listed_by_slug_and_an_empty_name_defaults_to_the_slug(
    store: SqlDirectoryStore,
) -> None:
    store.add_organisation("politie", Domain.SAFETY, "Politie Amsterdam")
    store.add_organisation("gemeente", Domain.MUNICIPALITY, "")
    store.add_organisation("woco", Domain.HOUSING, "Woco")

    organisations = store.organisations()

    assert [org.slug for org in organisations] == ["gemeente", "politie", "woco"]
    assert [org.name for org in organisations] == ["gemeente", "Politie Amsterdam", "Woco"]
    assert store.organisation("unknown") is None


# organisation tokens ---------------------------------------------------------------------------------


def test_the_returned_token_resolves_to_its_organisation_and_a_wrong_one_to_nothing(
    store: SqlDirectoryStore,
) -> None:
    woco, woco_credential = store.add_organisation("woco", Domain.HOUSING, "Woco")
    politie, politie_credential = store.add_organisation("politie", Domain.SAFETY, "Politie")

    assert store.organisation_for_token(woco_credential.token) == woco
    assert store.organisation_for_token(politie_credential.token) == politie
    assert woco_credential.token != politie_credential.token
    assert store.organisation_for_token(woco_credential.token + "x") is None
    assert store.organisation_for_token("") is None
    assert store.organisation_for_token(_sha256(woco_credential.token)) is None


def test_an_organisation_token_is_stored_only_as_its_sha256(
    store: SqlDirectoryStore, sessions: sessionmaker[Session], module_engine: Engine
) -> None:
    _, credential = store.add_organisation("woco", Domain.HOUSING, "Woco")
    second = store.issue_org_token("woco")

    with sessions() as session:
        hashes = sorted(session.scalars(select(models.OrgToken.token_hash)))

    assert hashes == sorted([_sha256(credential.token), _sha256(second.token)])
    stored = _every_stored_value(module_engine)
    assert set(hashes) <= set(stored)
    for token in (credential.token, second.token):
        assert not [value for value in stored if token in value]


def test_issue_org_token_adds_a_working_second_token(store: SqlDirectoryStore) -> None:
    woco, first = store.add_organisation("woco", Domain.HOUSING, "Woco")

    second = store.issue_org_token("woco")

    assert second.token != first.token
    assert store.organisation_for_token(second.token) == woco
    assert store.organisation_for_token(first.token) == woco


def test_issue_org_token_for_an_unknown_organisation_is_refused(store: SqlDirectoryStore, woco: str) -> None:
    with pytest.raises(UnknownOrganisationError):
        store.issue_org_token("nobody")

    _nothing_added(store)


def test_a_revoked_organisation_token_no_longer_resolves(
    store: SqlDirectoryStore, sessions: sessionmaker[Session]
) -> None:
    woco, first = store.add_organisation("woco", Domain.HOUSING, "Woco")
    second = store.issue_org_token("woco")
    with sessions.begin() as session:
        row = session.scalars(
            select(models.OrgToken).where(models.OrgToken.token_hash == _sha256(first.token))
        ).one()
        row.revoked_at = row.created_at

    assert store.organisation_for_token(first.token) is None
    assert store.organisation_for_token(second.token) == woco


# users -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "org", "use_buurten"),
    [
        (Role.TASKFORCE, None, False),
        (Role.ADMIN, None, False),
        (Role.LIAISON, "woco", False),
        (Role.RESIDENT, None, True),
    ],
    ids=["taskforce", "admin", "liaison-with-org", "resident-with-buurten"],
)
def test_a_user_with_a_valid_binding_is_added(
    store: SqlDirectoryStore,
    woco: str,
    buurt_codes: list[str],
    role: Role,
    org: str | None,
    use_buurten: bool,
) -> None:
    buurten = buurt_codes if use_buurten else []

    user, credential = store.add_user("jan.jansen", role, org=org, buurten=buurten)

    assert (user.name, user.role, user.org, user.buurten) == ("jan.jansen", role, org, frozenset(buurten))
    assert not user.has_password
    assert store.user("jan.jansen") == user
    assert store.user_by_id(user.id) == user
    assert store.user_for_token(credential.token) == user


@pytest.mark.parametrize(
    ("role", "org", "buurten", "error"),
    [
        (Role.LIAISON, None, (), InvalidDirectoryEntryError),
        (Role.LIAISON, "nobody", (), UnknownOrganisationError),
        (Role.LIAISON, "woco", ("known",), InvalidDirectoryEntryError),
        (Role.TASKFORCE, "woco", (), InvalidDirectoryEntryError),
        (Role.ADMIN, "woco", (), InvalidDirectoryEntryError),
        (Role.RESIDENT, None, (), InvalidDirectoryEntryError),
        (Role.RESIDENT, "woco", ("known",), InvalidDirectoryEntryError),
        (Role.RESIDENT, None, ("BU9999ZZZZ",), InvalidDirectoryEntryError),
        (Role.RESIDENT, None, ("known", "BU9999ZZZZ"), InvalidDirectoryEntryError),
        (Role.RESIDENT, None, ("bu0363ad05",), InvalidDirectoryEntryError),
        (Role.TASKFORCE, None, ("known",), InvalidDirectoryEntryError),
        (Role.ADMIN, None, ("known",), InvalidDirectoryEntryError),
    ],
    ids=[
        "liaison-without-org",
        "liaison-unknown-org",
        "liaison-with-buurten",
        "taskforce-with-org",
        "admin-with-org",
        "resident-without-buurten",
        "resident-with-org",
        "resident-unknown-buurt",
        "resident-one-unknown-buurt",
        "resident-malformed-buurt",
        "taskforce-with-buurten",
        "admin-with-buurten",
    ],
)
def test_a_user_with_a_wrong_binding_is_refused(
    store: SqlDirectoryStore,
    woco: str,
    buurt_codes: list[str],
    role: Role,
    org: str | None,
    buurten: Sequence[str],
    error: type[Exception],
) -> None:
    codes = [buurt_codes[0] if code == "known" else code for code in buurten]

    with pytest.raises(error):
        store.add_user("jan.jansen", role, org=org, buurten=codes)

    _nothing_added(store)


@pytest.mark.parametrize("name", ["j", "", "jan jansen", ".jan", "jan/jansen", "a" * 101])
def test_an_invalid_user_name_is_refused(store: SqlDirectoryStore, woco: str, name: str) -> None:
    with pytest.raises(InvalidDirectoryEntryError):
        store.add_user(name, Role.TASKFORCE)

    _nothing_added(store)


def test_a_duplicate_user_name_is_refused(store: SqlDirectoryStore) -> None:
    first, credential = store.add_user("jan", Role.TASKFORCE)

    with pytest.raises(UserExistsError):
        store.add_user("jan", Role.ADMIN)

    assert store.users() == [first]
    assert store.user_for_token(credential.token) == first


def test_user_tokens_resolve_to_their_user_only_and_are_stored_hashed(
    store: SqlDirectoryStore, sessions: sessionmaker[Session], module_engine: Engine
) -> None:
    _, org_credential = store.add_organisation("woco", Domain.HOUSING, "Woco")
    anna, anna_credential = store.add_user("anna", Role.TASKFORCE)
    bram, bram_credential = store.add_user("bram", Role.LIAISON, org="woco")

    assert store.user_for_token(anna_credential.token) == anna
    assert store.user_for_token(bram_credential.token) == bram
    assert store.user_for_token(anna_credential.token[:-1]) is None
    assert store.user_for_token(org_credential.token) is None
    assert store.organisation_for_token(anna_credential.token) is None
    with sessions() as session:
        hashes = set(session.scalars(select(models.UserToken.token_hash)))
    assert hashes == {_sha256(anna_credential.token), _sha256(bram_credential.token)}
    stored = _every_stored_value(module_engine)
    for token in (anna_credential.token, bram_credential.token):
        assert not [value for value in stored if token in value]


def test_password_hashes_are_stored_and_replaced(store: SqlDirectoryStore) -> None:
    user, _ = store.add_user("anna", Role.TASKFORCE, password_hash="$argon2id$first")
    store.add_user("bram", Role.ADMIN)

    assert user.has_password
    assert store.password_hash("anna") == "$argon2id$first"
    assert store.password_hash("bram") is None
    assert store.password_hash("nobody") is None

    store.set_password_hash("bram", "$argon2id$second")

    assert store.password_hash("bram") == "$argon2id$second"
    bram = store.user("bram")
    assert bram is not None
    assert bram.has_password
    with pytest.raises(UnknownUserError):
        store.set_password_hash("nobody", "$argon2id$x")


def test_a_disabled_user_is_invisible(store: SqlDirectoryStore) -> None:
    anna, credential = store.add_user("anna", Role.TASKFORCE, password_hash="$argon2id$hash")
    bram, bram_credential = store.add_user("bram", Role.TASKFORCE)

    store.disable_user("anna")

    assert store.user("anna") is None
    assert store.user_by_id(anna.id) is None
    assert store.user_for_token(credential.token) is None
    assert store.password_hash("anna") is None
    assert store.user_for_token(bram_credential.token) == bram
    with pytest.raises(UnknownUserError):
        store.disable_user("nobody")


def test_users_are_listed_by_name_with_their_bindings(
    store: SqlDirectoryStore, buurt_codes: list[str]
) -> None:
    store.add_organisation("woco", Domain.HOUSING, "Woco")
    store.add_user("zoe", Role.ADMIN)
    store.add_user("bram", Role.LIAISON, org="woco")
    store.add_user("anna", Role.RESIDENT, buurten=[*buurt_codes, buurt_codes[0]])

    users = store.users()

    assert [(u.name, u.role, u.org, u.buurten) for u in users] == [
        ("anna", Role.RESIDENT, None, frozenset(buurt_codes)),
        ("bram", Role.LIAISON, "woco", frozenset()),
        ("zoe", Role.ADMIN, None, frozenset()),
    ]
    assert len({u.id for u in users}) == 3


def test_issue_user_token_adds_a_working_second_token(store: SqlDirectoryStore) -> None:
    _, first = store.add_user("anna", Role.TASKFORCE)

    second = store.issue_user_token("anna")

    assert second.token != first.token
    for credential in (first, second):
        user = store.user_for_token(credential.token)
        assert user is not None and user.name == "anna"


def test_a_disabled_user_is_listed_as_disabled_and_gets_no_new_token(store: SqlDirectoryStore) -> None:
    store.add_user("anna", Role.TASKFORCE)
    store.add_user("bert", Role.TASKFORCE)

    store.disable_user("anna")

    assert [(user.name, user.disabled) for user in store.users()] == [("anna", True), ("bert", False)]
    with pytest.raises(UnknownUserError):
        store.issue_user_token("anna")
    with pytest.raises(UnknownUserError):
        store.issue_user_token("nobody")
