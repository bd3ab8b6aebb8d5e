"""Registering an abonnement at an NRC: the JWT, the request, and errors that say what went wrong.

The handshake against the real callback route is in tests/services/gateway/test_zgw_route.py.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import jwt
import pytest

from connectors.config import validate_config
from connectors.errors import ConfigError
from connectors.kinds.zgw_abonnement import (
    AbonnementError,
    abonnement_endpoint,
    kanalen_for,
    nrc_token,
    register_abonnement,
    subscribe,
)
from connectors.kinds.zgw_config import ZgwConfig
from services.process.children import free_port
from tests.support.nrc import ZTC, NrcStandIn

SECRET = "client-secret-of-wijkbrug-at-the-nrc-0123"
CALLBACK = "https://hub.example.nl/api/v1/zgw/notificaties/zgw-gemeente"


def entry(kanaal: str, zaaktype: str | None, actie: str = "create") -> dict[str, Any]:
    return {
        "kanaal": kanaal,
        "zaaktype": zaaktype,
        "resource": "status",
        "actie": actie,
        "type": "municipality.permit.decided",
        "buurt": "BU0363AD05",
        "data": {"permit_id": {"id_of": "hoofdObject"}, "outcome": "granted"},
    }


def config(*entries: dict[str, Any]) -> ZgwConfig:
    document = {
        "name": "zgw-gemeente",
        "kind": "zgw-notificaties",
        "org": "gemeente",
        "pseudonymisation": {"key_env": "WIJKBRUG_PSEUDONYM_KEY"},
        "auth_env": "ZGW_CALLBACK_AUTH",
        "mapping": list(entries),
    }
    return validate_config(ZgwConfig, document, "zgw.yaml")


def answering(status: int, body: Any) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status, json=body)

    return httpx.MockTransport(handler), seen


def test_the_token_is_hs256_with_the_zgw_claims() -> None:
    token = nrc_token("wijkbrug", SECRET, now=1_790_000_000)

    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_iat": False})
    assert claims["iss"] == claims["client_id"] == "wijkbrug"
    assert claims["iat"] == 1_790_000_000
    assert claims["user_id"] and claims["user_representation"]


@pytest.mark.parametrize(
    "base", ["https://nrc.example.nl", "https://nrc.example.nl/", "https://nrc.example.nl/api/v1/"]
)
def test_the_endpoint_is_under_api_v1(base: str) -> None:
    assert abonnement_endpoint(base) == "https://nrc.example.nl/api/v1/abonnement"


def test_the_request_carries_callback_auth_kanalen_and_the_bearer_jwt() -> None:
    transport, seen = answering(201, {"url": "https://nrc.example.nl/api/v1/abonnement/1"})

    url = register_abonnement(
        "https://nrc.example.nl", "wijkbrug", SECRET, CALLBACK, "Bearer abc", ["zaken"], transport=transport
    )

    assert url == "https://nrc.example.nl/api/v1/abonnement/1"
    (request,) = seen
    assert request.url == "https://nrc.example.nl/api/v1/abonnement"
    assert json.loads(request.content) == {
        "callbackUrl": CALLBACK,
        "auth": "Bearer abc",
        "kanalen": [{"naam": "zaken", "filters": {}}],
    }
    token = request.headers["Authorization"].removeprefix("Bearer ")
    assert jwt.decode(token, SECRET, algorithms=["HS256"])["client_id"] == "wijkbrug"


@pytest.mark.parametrize(
    ("status", "body", "needle"),
    [
        (500, {"detail": "boom"}, "answered 500"),
        (201, {"callbackUrl": CALLBACK}, "without the abonnement's url"),
        (400, {"invalidParams": [{"name": "callbackUrl"}]}, "test message"),
        (401, {"detail": "no"}, "refused the client id or secret"),
    ],
)
def test_an_answer_without_an_abonnement_is_an_error_that_says_why(
    status: int, body: Any, needle: str
) -> None:
    transport, _ = answering(status, body)

    with pytest.raises(AbonnementError, match=needle):
        register_abonnement(
            "https://nrc.example.nl", "wijkbrug", SECRET, CALLBACK, "Bearer a", ["zaken"], transport=transport
        )


def test_an_unreachable_nrc_is_an_error_naming_it() -> None:
    nrc = f"http://127.0.0.1:{free_port()}"

    with pytest.raises(AbonnementError, match="cannot reach the NRC"):
        register_abonnement(nrc, "wijkbrug", SECRET, CALLBACK, "Bearer a", ["zaken"], timeout_s=2)


def test_the_stand_in_refuses_a_callback_that_does_not_answer_the_test_message() -> None:
    dead_callback = f"http://127.0.0.1:{free_port()}/callback"

    with NrcStandIn(secret=SECRET) as nrc:
        with pytest.raises(AbonnementError, match="test message"):
            register_abonnement(nrc.url, nrc.client_id, SECRET, dead_callback, "Bearer a", ["zaken"])

        assert nrc.abonnementen == []
        assert [(d.message["kanaal"], d.status) for d in nrc.deliveries] == [("test", 0)]


def test_kanalen_come_from_the_mapping_filtered_on_a_single_zaaktype() -> None:
    permit = f"{ZTC}/zaaktypen/permit"
    mapped = config(
        entry("zaken", permit),
        entry("zaken", permit, actie="update"),
        entry("besluiten", permit),
        entry("besluiten", f"{ZTC}/zaaktypen/other"),
        entry("documenten", None),
    )

    assert kanalen_for(mapped) == [
        {"naam": "besluiten", "filters": {}},
        {"naam": "documenten", "filters": {}},
        {"naam": "zaken", "filters": {"zaaktype": permit}},
    ]


def test_subscribe_reads_the_secret_and_the_auth_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    transport, seen = answering(201, {"url": "https://nrc.example.nl/api/v1/abonnement/2"})
    mapped = config(entry("zaken", None))
    monkeypatch.delenv("NRC_SECRET", raising=False)
    monkeypatch.setenv("ZGW_CALLBACK_AUTH", "Bearer from-env\n")

    with pytest.raises(ConfigError, match="NRC_SECRET"):
        subscribe(
            mapped,
            "zgw.yaml",
            nrc_url="https://nrc.example.nl",
            client_id="w",
            secret_env="NRC_SECRET",
            callback_url=CALLBACK,
            transport=transport,
        )
    monkeypatch.setenv("NRC_SECRET", SECRET)
    url = subscribe(
        mapped,
        "zgw.yaml",
        nrc_url="https://nrc.example.nl",
        client_id="w",
        secret_env="NRC_SECRET",
        callback_url=CALLBACK,
        transport=transport,
    )

    assert url.endswith("/abonnement/2")
    assert json.loads(seen[0].content)["auth"] == "Bearer from-env"
