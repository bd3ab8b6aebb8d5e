"""Registering the callback of a `zgw-notificaties` connector as an abonnement at an NRC.

`POST {nrc}/api/v1/abonnement` with `{"callbackUrl", "auth", "kanalen": [{"naam", "filters"}]}`,
authenticated with a HS256 JWT (claims iss, iat, client_id, user_id, user_representation) signed with
the client's secret. While creating the abonnement the NRC POSTs its test message to the callback with
the `auth` header and refuses the abonnement unless that answers 200-209; so the gateway must be
reachable at `callback_url` and know the connector when this runs.

`subscribe(config, ...)` is what `wijkbrug connector zgw-subscribe FILE --nrc URL --client-id ID
--secret-env VAR --callback-url URL` does: the kanalen come from the mapping table (with a `zaaktype`
filter when every entry of a kanaal names the same zaaktype), the auth from the connector's `auth_env`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from typing import Any

import httpx
import jwt

from connectors.errors import ConfigError, ConnectorError
from connectors.kinds.zgw_config import ZgwConfig

ABONNEMENT_PATH = "/api/v1/abonnement"
API_ROOT = "/api/v1"
USER_ID = "wijkbrug"
USER_REPRESENTATION = "wijkbrug ZGW connector"
TIMEOUT_S = 30.0
MAX_BODY_SHOWN = 500

Kanaal = Mapping[str, Any]
"""`{"naam": "zaken", "filters": {"zaaktype": "..."}}`."""


class AbonnementError(ConnectorError):
    """The NRC could not be reached or did not create the abonnement."""


def nrc_token(client_id: str, secret: str, *, now: float | None = None) -> str:
    """The HS256 JWT that ZGW APIs take from a client (`Authorization: Bearer <token>`)."""
    claims = {
        "iss": client_id,
        "iat": int(time.time() if now is None else now),
        "client_id": client_id,
        "user_id": USER_ID,
        "user_representation": USER_REPRESENTATION,
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def abonnement_endpoint(nrc_url: str) -> str:
    """`{nrc}/api/v1/abonnement`, also when `nrc_url` already ends in `/api/v1`."""
    base = nrc_url.rstrip("/")
    if base.endswith(API_ROOT):
        base = base[: -len(API_ROOT)]
    return base + ABONNEMENT_PATH


def register_abonnement(
    nrc_url: str,
    client_id: str,
    secret: str,
    callback_url: str,
    auth: str,
    kanalen: Sequence[str | Kanaal],
    *,
    timeout_s: float = TIMEOUT_S,
    transport: httpx.BaseTransport | None = None,
) -> str:
    """Create the abonnement; returns its URL at the NRC. Raises AbonnementError with the NRC's reason."""
    if not kanalen:
        raise AbonnementError("an abonnement needs at least one kanaal")
    body = {
        "callbackUrl": callback_url,
        "auth": auth,
        "kanalen": [{"naam": k, "filters": {}} if isinstance(k, str) else dict(k) for k in kanalen],
    }
    endpoint = abonnement_endpoint(nrc_url)
    headers = {"Authorization": f"Bearer {nrc_token(client_id, secret)}", "Accept": "application/json"}
    try:
        with httpx.Client(timeout=timeout_s, transport=transport) as client:
            response = client.post(endpoint, json=body, headers=headers)
    except httpx.HTTPError as exc:
        raise AbonnementError(f"cannot reach the NRC at {endpoint}: {exc}") from exc
    return _created_url(endpoint, response)


def _created_url(endpoint: str, response: httpx.Response) -> str:
    shown = response.text[:MAX_BODY_SHOWN]
    if response.status_code in (401, 403):
        raise AbonnementError(
            f"the NRC refused the client id or secret ({response.status_code}) at {endpoint}: {shown}"
        )
    if response.status_code == 400:
        raise AbonnementError(
            "the NRC did not create the abonnement (400); if it names the callback, the gateway did not "
            f"answer its test message with 2xx (is it reachable, is the connector loaded?): {shown}"
        )
    if response.status_code != 201:
        raise AbonnementError(f"the NRC answered {response.status_code} at {endpoint}: {shown}")
    try:
        created = response.json()
    except ValueError as exc:
        raise AbonnementError(f"the NRC answered 201 without JSON at {endpoint}") from exc
    url = created.get("url") if isinstance(created, dict) else None
    if not isinstance(url, str) or not url:
        raise AbonnementError(f"the NRC answered 201 without the abonnement's url: {shown}")
    return url


def kanalen_for(config: ZgwConfig) -> list[Kanaal]:
    """The kanalen the mapping table listens to, each filtered on its zaaktype when there is one only."""
    kanalen: list[Kanaal] = []
    for naam in sorted({entry.kanaal for entry in config.mapping}):
        zaaktypen = {entry.zaaktype for entry in config.mapping if entry.kanaal == naam}
        only = next(iter(zaaktypen)) if len(zaaktypen) == 1 else None
        kanalen.append({"naam": naam, "filters": {"zaaktype": only} if only else {}})
    return kanalen


def subscribe(
    config: ZgwConfig,
    file: str,
    *,
    nrc_url: str,
    client_id: str,
    secret_env: str,
    callback_url: str,
    transport: httpx.BaseTransport | None = None,
) -> str:
    """Register the connector of `config` (read from `file`) at the NRC; the abonnement's URL."""
    secret = os.environ.get(secret_env, "")
    if not secret:
        raise ConfigError(file, "--secret-env", f"environment variable {secret_env} is not set")
    auth = os.environ.get(config.auth_env, "").strip()
    if not auth:
        raise ConfigError(file, "auth_env", f"environment variable {config.auth_env} is not set")
    return register_abonnement(
        nrc_url, client_id, secret, callback_url, auth, kanalen_for(config), transport=transport
    )
