"""An NRC (notification routing component, VNG ZGW Notificaties API) stand-in on a real HTTP server in the
test process (STANDARDS.md "VNG ZGW Notificaties API").

- `POST /api/v1/abonnement` checks the HS256 JWT (claims iss, iat, client_id, user_id,
  user_representation) against the shared secret (403 otherwise, as ZGW APIs answer), then POSTs the
  test message (`kanaal: test`) to the callbackUrl with the abonnement's `auth` as the Authorization
  header, and creates the abonnement only if that answered 200-209 (else 400 naming callbackUrl);
  201 with the abonnement's `url`.
- `publish(message)` delivers a notification to every abonnement whose kanaal and filters match, as
  the NRC does: at least once, retrying a delivery that did not answer 2xx (`attempts`), and `repeat`
  times in all to exercise duplicate deliveries.

    with NrcStandIn(client_id="wijkbrug", secret="s" * 32) as nrc:
        url = register_abonnement(nrc.url, "wijkbrug", "s" * 32, callback, "Bearer abc", ["zaken"])
        nrc.publish(notification(zaak_url=..., kenmerken={"zaaktype": ...}))
"""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any

import httpx
import jwt

from tests.support.http_server import HttpStandIn

ABONNEMENT_PATH = "/api/v1/abonnement"
REQUIRED_CLAIMS = ("iss", "iat", "client_id", "user_id", "user_representation")
ZRC = "https://zaken.example.nl/zaken/api/v1"
ZTC = "https://zaken.example.nl/catalogi/api/v1"
RSIN = "002220647"
"""A bronorganisatie (RSIN of a municipality): 9 digits that pass the 11-proef."""


def notification(
    *,
    zaak: str = "d7a22c54-4c16-4a47-9b3c-2f1b3b6a0001",
    resource: str = "status",
    actie: str = "create",
    aanmaakdatum: str = "2026-10-01T12:00:00Z",
    zaaktype: str = f"{ZTC}/zaaktypen/5aa5c",
    kanaal: str = "zaken",
    **kenmerken: str,
) -> dict[str, Any]:
    """A notification as an Open Zaak publishes it (kenmerken: bronorganisatie, zaaktype, ... + extra)."""
    hoofd_object = f"{ZRC}/zaken/{zaak}"
    resource_url = hoofd_object if resource == "zaak" else f"{ZRC}/statussen/{zaak}-{resource}-{actie}"
    return {
        "kanaal": kanaal,
        "source": "zaken.example.nl",
        "hoofdObject": hoofd_object,
        "resource": resource,
        "resourceUrl": resource_url,
        "actie": actie,
        "aanmaakdatum": aanmaakdatum,
        "kenmerken": {
            "bronorganisatie": RSIN,
            "zaaktype": zaaktype,
            "vertrouwelijkheidaanduiding": "openbaar",
            **kenmerken,
        },
    }


@dataclass
class Abonnement:
    """A subscription the stand-in holds."""

    url: str
    callback_url: str
    auth: str
    kanalen: list[dict[str, Any]]

    def wants(self, message: dict[str, Any]) -> bool:
        kenmerken = message.get("kenmerken") or {}
        for kanaal in self.kanalen:
            if kanaal.get("naam") != message.get("kanaal"):
                continue
            filters = kanaal.get("filters") or {}
            if all(kenmerken.get(key) == value for key, value in filters.items()):
                return True
        return False


@dataclass
class Delivery:
    """One POST of a notification to a callback, and its answer (0: no connection)."""

    callback_url: str
    message: dict[str, Any]
    status: int


@dataclass
class NrcStandIn(HttpStandIn):
    """An NRC for tests: start it with `with`; clients sign with `client_id` and `secret`."""

    client_id: str = "wijkbrug"
    secret: str = "nrc-shared-secret-for-tests-0123456789"
    abonnementen: list[Abonnement] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    label = "NRC stand-in"

    def handler(self) -> type[BaseHTTPRequestHandler]:
        return _handler_for(self)

    # the NRC's work

    def publish(self, message: dict[str, Any], *, repeat: int = 1, attempts: int = 3) -> list[Delivery]:
        """Deliver `message` to every matching abonnement, `repeat` times, each retried up to `attempts`
        times while the callback does not answer 2xx; every delivery made, in order."""
        made: list[Delivery] = []
        with self._lock:
            targets = [abonnement for abonnement in self.abonnementen if abonnement.wants(message)]
        for abonnement in targets:
            for _ in range(repeat):
                for _ in range(attempts):
                    delivery = self._post(abonnement.callback_url, abonnement.auth, message)
                    made.append(delivery)
                    if 200 <= delivery.status < 300:
                        break
        return made

    def _post(self, callback_url: str, auth: str, message: dict[str, Any]) -> Delivery:
        try:
            response = httpx.post(callback_url, json=message, headers={"Authorization": auth}, timeout=30.0)
            status = response.status_code
        except httpx.HTTPError:
            status = 0
        delivery = Delivery(callback_url, message, status)
        with self._lock:
            self.deliveries.append(delivery)
        return delivery

    def create_abonnement(self, authorization: str | None, body: Any) -> tuple[int, dict[str, Any]]:
        """What `POST /api/v1/abonnement` answers."""
        problem = self._check_token(authorization)
        if problem is not None:
            with self._lock:
                self.refused.append(problem)
            return 403, {"code": "permission_denied", "detail": problem}
        if not isinstance(body, dict) or not all(
            isinstance(body.get(key), str) and body.get(key) for key in ("callbackUrl", "auth")
        ):
            return 400, {
                "invalidParams": [{"name": "callbackUrl", "reason": "callbackUrl and auth required"}]
            }
        kanalen = body.get("kanalen")
        if (
            not isinstance(kanalen, list)
            or not kanalen
            or not all(isinstance(item, dict) and isinstance(item.get("naam"), str) for item in kanalen)
        ):
            return 400, {"invalidParams": [{"name": "kanalen", "reason": "a list of {naam, filters}"}]}
        test = self._post(body["callbackUrl"], body["auth"], _test_message())
        if not 200 <= test.status <= 209:
            return 400, {
                "invalidParams": [
                    {
                        "name": "callbackUrl",
                        "code": "invalid-callback-url",
                        "reason": f"Callback URL didn't return 2xx on the test message (got {test.status})",
                    }
                ]
            }
        abonnement = Abonnement(
            url=f"{self.url}{ABONNEMENT_PATH}/{uuid.uuid4()}",
            callback_url=body["callbackUrl"],
            auth=body["auth"],
            kanalen=kanalen,
        )
        with self._lock:
            self.abonnementen.append(abonnement)
        return 201, {
            "url": abonnement.url,
            "callbackUrl": abonnement.callback_url,
            "auth": abonnement.auth,
            "kanalen": abonnement.kanalen,
        }

    def _check_token(self, authorization: str | None) -> str | None:
        if not authorization or not authorization.startswith("Bearer "):
            return "no bearer token"
        try:
            claims = jwt.decode(
                authorization.removeprefix("Bearer "),
                self.secret,
                algorithms=["HS256"],
                options={"require": list(REQUIRED_CLAIMS), "verify_iat": True},
            )
        except jwt.PyJWTError as exc:
            return f"invalid token: {exc}"
        if claims.get("client_id") != self.client_id or claims.get("iss") != self.client_id:
            return "unknown client_id"
        return None


def _test_message() -> dict[str, Any]:
    """The message Open Notificaties sends to a new abonnement's callback."""
    return {
        "kanaal": "test",
        "hoofdObject": "http://some-api.com/zaken/api/v1/zaken/" + "0" * 8,
        "resource": "zaak",
        "resourceUrl": "http://some-api.com/zaken/api/v1/zaken/" + "0" * 8,
        "actie": "create",
        "aanmaakdatum": datetime.now(UTC).isoformat(),
        "kenmerken": {},
    }


def _handler_for(nrc: NrcStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            if self.path.rstrip("/") != ABONNEMENT_PATH:
                self._answer(404, {"detail": "not found"})
                return
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            try:
                body: Any = json.loads(raw)
            except ValueError:
                self._answer(400, {"detail": "not JSON"})
                return
            status, answer = nrc.create_abonnement(self.headers.get("Authorization"), body)
            self._answer(status, answer)

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
