"""`wijkbrug org ...` and `wijkbrug user ...`: organisations, users and their tokens."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from argon2 import PasswordHasher

from schemas.identifiers import ORGANISATION_DOMAINS, Domain
from services.broker.admin import ensure_topics
from services.broker.discovery import resolve_bootstrap
from services.broker.errors import BrokerUnavailableError
from services.broker.topics import Topology
from services.cli.common import deployment_option, domain_errors, emit_json, load_settings
from services.config import Settings
from services.deployment import open_deployment
from services.directory.model import Role
from services.directory.sql import SqlDirectoryStore
from services.security.passwords import hash_password

DOMAINS = sorted(domain.value for domain in ORGANISATION_DOMAINS)


@click.group()
def org() -> None:
    """Partner organisations and their API tokens."""


@org.command("add")
@click.argument("slug")
@click.option("--domain", "domain_name", type=click.Choice(DOMAINS), required=True, help="What it publishes.")
@click.option("--name", default="", help="Display name (default: the slug).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@deployment_option
@domain_errors
def org_add(slug: str, domain_name: str, name: str, as_json: bool, data_dir: Path | None) -> None:
    """Register an organisation; prints its API token once (only a hash is stored)."""
    settings = load_settings(data_dir=data_dir)
    deployment = open_deployment(settings)
    try:
        organisation, credential = SqlDirectoryStore(deployment.sessions).add_organisation(
            slug, Domain(domain_name), name
        )
    finally:
        deployment.close()
    note = _create_inbound_topic(settings, slug)
    if as_json:
        emit_json({"org": organisation.slug, "source": organisation.source, "token": credential.token})
    else:
        kind = organisation.domain.value
        click.echo(f"organisation {organisation.slug} ({kind}) publishes as {organisation.source}")
        click.echo(f"token (shown once): {credential.token}")
    if note:
        click.echo(note, err=True)


@org.command("token")
@click.argument("slug")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@deployment_option
@domain_errors
def org_token(slug: str, as_json: bool, data_dir: Path | None) -> None:
    """Issue another API token for an organisation (for rotation)."""
    deployment = open_deployment(load_settings(data_dir=data_dir))
    try:
        credential = SqlDirectoryStore(deployment.sessions).issue_org_token(slug)
    finally:
        deployment.close()
    if as_json:
        emit_json({"org": slug, "token": credential.token})
    else:
        click.echo(f"token (shown once): {credential.token}")


@org.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@deployment_option
@domain_errors
def org_list(as_json: bool, data_dir: Path | None) -> None:
    """Every organisation."""
    deployment = open_deployment(load_settings(data_dir=data_dir))
    try:
        organisations = SqlDirectoryStore(deployment.sessions).organisations()
    finally:
        deployment.close()
    if as_json:
        emit_json(
            [
                {"org": o.slug, "domain": o.domain.value, "name": o.name, "source": o.source}
                for o in organisations
            ]
        )
        return
    for o in organisations:
        click.echo(f"{o.slug}\t{o.domain.value}\t{o.source}\t{o.name}")


@click.group()
def user() -> None:
    """Users of the dashboard and the API."""


@user.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice([role.value for role in Role]), required=True)
@click.option("--org", "org_slug", default=None, help="The organisation of a liaison.")
@click.option("--buurt", "buurten", multiple=True, help="A buurt of a resident representative (repeatable).")
@click.option("--password-stdin", is_flag=True, help="Read a password for the web login from stdin.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@deployment_option
@domain_errors
def user_add(
    name: str,
    role: str,
    org_slug: str | None,
    buurten: tuple[str, ...],
    password_stdin: bool,
    as_json: bool,
    data_dir: Path | None,
) -> None:
    """Create a user; prints an API token once (only a hash is stored)."""
    password_hash = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        password_hash = hash_password(PasswordHasher(), password)
    deployment = open_deployment(load_settings(data_dir=data_dir))
    try:
        created, credential = SqlDirectoryStore(deployment.sessions).add_user(
            name, Role(role), org=org_slug, buurten=buurten, password_hash=password_hash
        )
    finally:
        deployment.close()
    if as_json:
        emit_json({"user": created.name, "token": credential.token})
    else:
        click.echo(f"user {created.name} ({created.role.value}) created")
        click.echo(f"API token (shown once): {credential.token}")


@user.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@deployment_option
@domain_errors
def user_list(as_json: bool, data_dir: Path | None) -> None:
    """Every user."""
    deployment = open_deployment(load_settings(data_dir=data_dir))
    try:
        users = SqlDirectoryStore(deployment.sessions).users()
    finally:
        deployment.close()
    rows = [
        {
            "user": u.name,
            "role": u.role.value,
            "org": u.org,
            "buurten": sorted(u.buurten),
            "password": u.has_password,
        }
        for u in users
    ]
    if as_json:
        emit_json(rows)
        return
    for u in users:
        click.echo(f"{u.name}\t{u.role.value}\t{u.org or ''}\t{' '.join(sorted(u.buurten))}")


def _create_inbound_topic(settings: Settings, slug: str) -> str | None:
    """Create the organisation's inbound topic on a running deployment's broker, if there is one."""
    bootstrap = resolve_bootstrap(settings)
    if bootstrap is None:
        return None
    topology = Topology.from_settings(settings)
    try:
        ensure_topics(bootstrap, [topology.inbound_spec(slug)])
    except BrokerUnavailableError:
        return f"note: the broker at {bootstrap} is not reachable; the topic is created when the hub starts"
    return None
