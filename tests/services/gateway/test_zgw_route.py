"""The ZGW callback on a real gateway (uvicorn, database, embedded broker), fed by the NRC stand-in.

Acceptance (issue 4): wrong secret 401; the test message 204; a delivery repeated three times yields one
event; an unmapped zaaktype goes to the dead-letter topic, visible with its reason. Also: unknown
connector 404, broker down 503, counts in the state store, and the abonnement handshake.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient

from connectors.kinds.zgw_abonnement import AbonnementError, register_abonnement
from connectors.kinds.zgw_mapping import event_id
from connectors.kinds.zgw_message import Notification, parse_notification
from connectors.model import ConnectorStatus, State
from connectors.state_sql import SqlConnectorStateStore
from schemas.identifiers import Domain
from services.config import Settings
from services.gateway.app import create_app
from services.gateway.runtime import Runtime, build_runtime
from services.gateway.zgw_route import ZgwCallbacks, load_zgw_callbacks
from services.process.children import free_port
from tests.support.databases import DatabaseFactory
from tests.support.kafka_io import ReadRecord, create_topic, read_all
from tests.support.nrc import RSIN, ZTC, NrcStandIn, notification
from tests.support.waiting import eventually

pytestmark = [pytest.mark.db, pytest.mark.broker]

NAME = "zgw-gemeente"
AUTH = "Bearer 5b2f0d8e6a4c1e3f7a9b0c2d4e6f8a1b"
PERMIT_ZAAKTYPE = f"{ZTC}/zaaktypen/5aa5c"
GRANTED = f"{ZTC}/statustypen/verleend"
WRONG_SECRET = "not-the-secret-of-this-client-0123456789"
CONFIG = {
    "name": NAME,
    "kind": "zgw-notificaties",
    "org": "gemeente",
    "pseudonymisation": {"key_env": "ZGW_TEST_PSEUDONYM_KEY"},
    "auth_env": "ZGW_TEST_CALLBACK_AUTH",
    "mapping": [
        {
            "kanaal": "zaken",
            "zaaktype": PERMIT_ZAAKTYPE,
            "resource": "status",
            "actie": "create",
            "when": {"statustype": GRANTED},
            "type": "municipality.permit.decided",
            "buurt": "BU0363AD05",
            "data": {"permit_id": {"id_of": "hoofdObject"}, "outcome": "granted"},
        }
    ],
}


@dataclass
class Gateway:
    url: str
    runtime: Runtime
    bootstrap: str

    @property
    def callback(self) -> str:
        return f"{self.url}/api/v1/zgw/notificaties/{NAME}"

    def post(self, message: dict[str, Any], auth: str | None = AUTH, name: str = NAME) -> httpx.Response:
        headers = {"Authorization": auth} if auth is not None else {}
        url = f"{self.url}/api/v1/zgw/notificaties/{name}"
        return httpx.post(url, content=json.dumps(message), headers=headers, timeout=30)

    def inbound(self, zaak: str) -> list[ReadRecord]:
        """The events on the organisation's inbound topic about the permit of `zaak` (whatever their id)."""
        records = read_all(self.bootstrap, self.runtime.topology.inbound("gemeente"))
        return [record for record in records if json.loads(record.value)["data"].get("permit_id") == zaak]

    def dead_letters(self) -> list[dict[str, Any]]:
        records = read_all(self.bootstrap, self.runtime.topology.deadletter)
        return [json.loads(record.value) for record in records]

    def status(self) -> ConnectorStatus | None:
        return SqlConnectorStateStore(self.runtime.sessions).get(NAME)


def settings_for(data_dir: Path, database_url: str, bootstrap: str, **extra: Any) -> Settings:
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        kafka_bootstrap=bootstrap,
        topic_prefix=f"zgw{uuid.uuid4().hex[:8]}.",
        partitions_inbound=1,
        partitions_deadletter=1,
        **extra,
    )


def app_with_callbacks(settings: Settings, runtime: Runtime) -> FastAPI:
    """The gateway app; it loads the callbacks of `settings.connectors_dir` itself."""
    return create_app(settings, runtime)


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """`app` on a real HTTP server in a thread (the NRC stand-in must reach it over TCP)."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="gateway-under-test", daemon=True)
    thread.start()
    try:
        eventually(lambda: server.started, timeout=15, what="the gateway to start")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def connector_environment(directory: Path) -> Iterator[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{NAME}.yaml").write_text(yaml.safe_dump(CONFIG))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ZGW_TEST_PSEUDONYM_KEY", "zgw-route-test-key-0123456789")
        patch.setenv("ZGW_TEST_CALLBACK_AUTH", AUTH)
        yield directory


@pytest.fixture(scope="module")
def gateway(
    databases: DatabaseFactory, broker_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Gateway]:
    data_dir = tmp_path_factory.mktemp("zgw-gateway")
    with connector_environment(data_dir / "connectors") as connectors:
        settings = settings_for(data_dir, databases.new(), broker_bootstrap, connectors_dir=connectors)
        runtime = build_runtime(settings)
        runtime.directory.add_organisation("gemeente", Domain.MUNICIPALITY, "Gemeente")
        create_topic(broker_bootstrap, runtime.topology.deadletter)
        with serving(app_with_callbacks(settings, runtime)) as url:
            yield Gateway(url=url, runtime=runtime, bootstrap=broker_bootstrap)


def granted(zaak: str) -> dict[str, Any]:
    return notification(zaak=zaak, zaaktype=PERMIT_ZAAKTYPE, statustype=GRANTED)


def id_of(message: dict[str, Any]) -> str:
    parsed = parse_notification(message)
    assert isinstance(parsed, Notification), parsed
    return event_id(parsed)


# ---------------------------------------------------------------------------------------------------


def test_an_unknown_connector_is_404(gateway: Gateway) -> None:
    response = gateway.post(granted(str(uuid.uuid4())), name="zgw-elders")

    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


@pytest.mark.parametrize("auth", [None, "Bearer wrong", AUTH + "0"])
def test_a_wrong_or_missing_secret_is_401(gateway: Gateway, auth: str | None) -> None:
    zaak = str(uuid.uuid4())

    response = gateway.post(granted(zaak), auth=auth)

    assert response.status_code == 401
    assert response.json()["error"] == "unauthenticated"
    assert AUTH not in response.text


def test_the_test_message_is_204(gateway: Gateway) -> None:
    response = gateway.post({"kanaal": "test", "hoofdObject": "http://some-api.com/zaken", "actie": "create"})

    assert response.status_code == 204
    assert response.content == b""


def test_a_delivery_repeated_three_times_yields_one_event(gateway: Gateway) -> None:
    zaak = str(uuid.uuid4())
    message = granted(zaak)
    before = gateway.status()

    statuses = [gateway.post(message).status_code for _ in range(3)]

    assert statuses == [204, 204, 204]
    records = gateway.inbound(zaak)
    assert len(records) == 1
    event = json.loads(records[0].value)
    assert event["id"] == id_of(message)
    assert event["type"] == "nl.wijkbrug.municipality.permit.decided"
    assert event["data"]["outcome"] == "granted"
    assert event["subject"].startswith("ini:")
    assert RSIN not in records[0].value.decode()
    after = gateway.status()
    assert after is not None and after.state is State.RUNNING
    assert after.emitted == (before.emitted if before else 0) + 1
    assert after.last_success_at is not None


def test_an_unmapped_zaaktype_goes_to_the_dead_letter_topic_with_its_reason(gateway: Gateway) -> None:
    zaak = str(uuid.uuid4())
    message = notification(zaak=zaak, zaaktype=f"{ZTC}/zaaktypen/kapvergunning", statustype=GRANTED)
    before = gateway.status()

    response = gateway.post(message)

    assert response.status_code == 204
    position = "notification:" + id_of(message).removeprefix("zgw-")[:32]
    letters = eventually(
        lambda: [letter for letter in gateway.dead_letters() if letter["position"] == position],
        what="the dead letter",
    )
    assert len(letters) == 1
    letter = letters[0]
    assert letter["reason"] == "unmapped_zaaktype"
    assert letter["producer"] == f"connector:{NAME}"
    assert "kapvergunning" in letter["issues"][0]["message"]
    assert letter["record"]["hoofdObject"] == "(withheld)"
    assert zaak not in json.dumps(letter)
    assert RSIN not in json.dumps(letter)
    after = gateway.status()
    assert after is not None
    assert after.dead_lettered == (before.dead_lettered if before else 0) + 1


def test_a_malformed_notification_is_dead_lettered_and_answered_204(gateway: Gateway) -> None:
    message = {
        **granted(str(uuid.uuid4())),
        "actie": "verwijderd",
        "aanmaakdatum": "2026-10-01T12:34:56.789Z",
    }

    response = gateway.post(message)

    assert response.status_code == 204
    letters = [
        letter
        for letter in gateway.dead_letters()
        if letter["reason"] == "invalid_notification" and letter["record"].get("actie") == "verwijderd"
    ]
    assert letters and letters[0]["issues"][0]["field"] == "actie"


def test_an_abonnement_passes_the_handshake_and_its_deliveries_reach_the_hub(
    gateway: Gateway,
) -> None:
    with NrcStandIn() as nrc:
        url = register_abonnement(nrc.url, nrc.client_id, nrc.secret, gateway.callback, AUTH, ["zaken"])

        assert url.startswith(f"{nrc.url}/api/v1/abonnement/")
        assert [(d.message["kanaal"], d.status) for d in nrc.deliveries] == [("test", 204)]
        zaak = str(uuid.uuid4())
        deliveries = nrc.publish(granted(zaak), repeat=3)

    assert [delivery.status for delivery in deliveries] == [204, 204, 204]
    assert len(gateway.inbound(zaak)) == 1


def test_an_abonnement_with_the_wrong_auth_fails_the_handshake(gateway: Gateway) -> None:
    with NrcStandIn() as nrc:
        with pytest.raises(AbonnementError, match="test message"):
            register_abonnement(
                nrc.url, nrc.client_id, nrc.secret, gateway.callback, "Bearer other", ["zaken"]
            )

        assert [d.status for d in nrc.deliveries] == [401]
        assert nrc.abonnementen == []


def test_a_client_secret_the_nrc_does_not_know_is_refused(gateway: Gateway) -> None:
    with NrcStandIn() as nrc:
        with pytest.raises(AbonnementError, match="refused the client id or secret"):
            register_abonnement(nrc.url, nrc.client_id, WRONG_SECRET, gateway.callback, AUTH, ["zaken"])

        assert nrc.deliveries == []
        assert nrc.refused and "Signature verification failed" in nrc.refused[0]


# ---------------------------------------------------------------------------------------------------
# broker down


@pytest.fixture
def broker_down(tmp_path: Path, database_url: str) -> Iterator[TestClient]:
    with connector_environment(tmp_path / "connectors") as connectors:
        settings = settings_for(
            tmp_path,
            database_url,
            f"127.0.0.1:{free_port()}",
            connectors_dir=connectors,
            produce_timeout_s=1.0,
        )
        runtime = build_runtime(settings)
        runtime.directory.add_organisation("gemeente", Domain.MUNICIPALITY, "Gemeente")
        with TestClient(app_with_callbacks(settings, runtime)) as client:
            yield client


@pytest.mark.parametrize("zaaktype", [PERMIT_ZAAKTYPE, f"{ZTC}/zaaktypen/kapvergunning"])
def test_with_the_broker_down_the_nrc_is_told_to_retry(broker_down: TestClient, zaaktype: str) -> None:
    message = notification(zaak=str(uuid.uuid4()), zaaktype=zaaktype, statustype=GRANTED)

    response = broker_down.post(
        f"/api/v1/zgw/notificaties/{NAME}", json=message, headers={"Authorization": AUTH}
    )

    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert response.json()["error"] == "unavailable"
    assert "broker" in response.json()["message"]


def test_without_a_connectors_dir_no_callback_is_served(tmp_path: Path, database_url: str) -> None:
    settings = Settings(data_dir=tmp_path, database_url=database_url, kafka_bootstrap=None)

    callbacks = load_zgw_callbacks(settings)

    assert callbacks == ZgwCallbacks()
