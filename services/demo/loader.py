"""Loading the demo scenario into a running deployment: the directory directly, the events over HTTP."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from argon2 import PasswordHasher

from connectors.gateway_client import GatewayClient
from services.demo.scenario import DEMO_PASSWORD, ORGANISATIONS, USERS, scenario_events
from services.deployment import Deployment
from services.directory.errors import OrganisationExistsError, UserExistsError
from services.directory.sql import SqlDirectoryStore
from services.security.passwords import hash_password

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DemoLoaded:
    """What the demo put in place."""

    events: int
    users: tuple[str, ...]


def load_demo(deployment: Deployment, base_url: str) -> DemoLoaded:
    """Create the demo's organisations and users (if missing) and publish its events through the gateway."""
    directory = SqlDirectoryStore(deployment.sessions)
    tokens: dict[str, str] = {}
    for org in ORGANISATIONS:
        try:
            _, credential = directory.add_organisation(org.slug, org.domain, org.name)
        except OrganisationExistsError:
            credential = directory.issue_org_token(org.slug)
        tokens[org.slug] = credential.token
    password_hash = hash_password(PasswordHasher(), DEMO_PASSWORD)
    for user in USERS:
        try:
            directory.add_user(
                user.name, user.role, org=user.org, buurten=user.buurten, password_hash=password_hash
            )
        except UserExistsError:
            directory.set_password_hash(user.name, password_hash)
    published = 0
    for org_slug, events in scenario_events(datetime.now(UTC)).items():
        with GatewayClient(base_url, tokens[org_slug]) as client:
            published += len(client.publish(events))
    log.info("demo scenario loaded: %d events", published)
    return DemoLoaded(events=published, users=tuple(user.name for user in USERS))
