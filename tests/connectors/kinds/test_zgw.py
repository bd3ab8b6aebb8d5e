"""The ZGW notification receiver's pure logic: authorization, test message, mapping, ids, privacy."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from connectors.base import ConnectorContext
from connectors.config import validate_config
from connectors.errors import ConfigError
from connectors.kinds.zgw import Handshake, Ignored, Unauthorized, ZgwConfig, ZgwReceiver
from connectors.model import Emit, Reject
from connectors.pseudonym import Pseudonymiser
from connectors.registry import load_config
from schemas.privacy import text_has_bsn
from schemas.validation import validate_event
from tests.support.nrc import RSIN, ZRC, ZTC, notification

AUTH = "Bearer 7c0e6c1b2d8f4a3e9b5d1f0a2c4e6b8d"
KEY = b"pseudonymisation-key-for-tests-0123"
PERMIT_ZAAKTYPE = f"{ZTC}/zaaktypen/5aa5c"
GRANTED = f"{ZTC}/statustypen/verleend"
REFUSED = f"{ZTC}/statustypen/geweigerd"
BUURT = "BU0363AD05"
NOW = datetime(2026, 10, 1, 13, 0, tzinfo=UTC)


def config_document(**overrides: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "name": "zgw-gemeente",
        "kind": "zgw-notificaties",
        "org": "gemeente",
        "pseudonymisation": {"key_env": "WIJKBRUG_PSEUDONYM_KEY"},
        "auth_env": "ZGW_CALLBACK_AUTH",
        "mapping": [
            {
                "kanaal": "zaken",
                "zaaktype": PERMIT_ZAAKTYPE,
                "resource": "status",
                "actie": "create",
                "when": {"statustype": GRANTED},
                "type": "municipality.permit.decided",
                "buurt": BUURT,
                "buurt_kenmerk": "buurtcode",
                "data": {
                    "permit_id": {"id_of": "hoofdObject"},
                    "outcome": "granted",
                    "initiative_id": {"kenmerk": "initiatief", "optional": True},
                },
            },
            {
                "kanaal": "zaken",
                "zaaktype": PERMIT_ZAAKTYPE,
                "resource": "status",
                "actie": "create",
                "when": {"statustype": REFUSED},
                "type": "municipality.permit.decided",
                "buurt": BUURT,
                "data": {"permit_id": {"id_of": "hoofdObject"}, "outcome": "refused"},
            },
            {
                "kanaal": "zaken",
                "zaaktype": "*",
                "resource": "zaak",
                "actie": "create",
                "type": "municipality.permit.requested",
                "subject": {"kind": "ini", "kenmerk": "initiatief"},
                "buurt_kenmerk": "buurtcode",
                "data": {"permit_id": {"id_of": "hoofdObject"}, "permit_type": "evenement"},
            },
        ],
    }
    document.update(overrides)
    return document


def make_config(**overrides: Any) -> ZgwConfig:
    return validate_config(ZgwConfig, config_document(**overrides), "zgw.yaml")


def receiver(**overrides: Any) -> ZgwReceiver:
    context = ConnectorContext(file="zgw.yaml", pseudonymiser=Pseudonymiser(KEY))
    return ZgwReceiver(make_config(**overrides), context, secret=AUTH)


def body(message: dict[str, Any]) -> bytes:
    return json.dumps(message).encode()


def granted(**changes: Any) -> dict[str, Any]:
    return notification(statustype=GRANTED, **changes)


def emitted(outcome: object) -> dict[str, Any]:
    assert isinstance(outcome, Emit), outcome
    return dict(outcome.event)


# ---------------------------------------------------------------------------------------------------
# authorization and the test message


@pytest.mark.parametrize("header", [None, "", "Bearer wrong", AUTH + "x", AUTH.lower()])
def test_a_missing_or_wrong_authorization_is_unauthorized(header: str | None) -> None:
    assert receiver().receive(header, body(granted())) == Unauthorized()


def test_the_test_message_is_accepted_and_emits_nothing() -> None:
    message = {"kanaal": "test", "hoofdObject": "http://some-api.com/zaken", "resource": "zaak"}

    assert receiver().receive(AUTH, body(message)) == Handshake()


def test_the_test_message_with_a_wrong_secret_is_unauthorized() -> None:
    assert receiver().receive("Bearer nope", body({"kanaal": "test"})) == Unauthorized()


# ---------------------------------------------------------------------------------------------------
# mapping


def test_a_granted_permit_status_becomes_a_valid_permit_decided_event() -> None:
    event = emitted(receiver().receive(AUTH, body(granted(initiatief="INI-2026-17"))))

    assert event["type"] == "nl.wijkbrug.municipality.permit.decided"
    assert event["source"] == "urn:nl:wijkbrug:org:gemeente"
    assert event["time"] == "2026-10-01T12:00:00Z"
    assert event["buurt"] == BUURT
    assert event["data"] == {
        "permit_id": "d7a22c54-4c16-4a47-9b3c-2f1b3b6a0001",
        "outcome": "granted",
        "initiative_id": "INI-2026-17",
    }
    assert event["subject"] == Pseudonymiser(KEY).pseudonym(
        "ini", f"{ZRC}/zaken/d7a22c54-4c16-4a47-9b3c-2f1b3b6a0001"
    )
    validate_event(event, now=NOW)


def test_the_statustype_kenmerk_chooses_the_outcome() -> None:
    event = emitted(receiver().receive(AUTH, body(notification(statustype=REFUSED))))

    assert event["data"] == {"permit_id": "d7a22c54-4c16-4a47-9b3c-2f1b3b6a0001", "outcome": "refused"}


def test_a_buurt_kenmerk_wins_over_the_constant_buurt() -> None:
    event = emitted(receiver().receive(AUTH, body(granted(buurtcode="BU0363AE01"))))

    assert event["buurt"] == "BU0363AE01"


def test_a_wildcard_zaaktype_and_a_kenmerk_subject() -> None:
    message = notification(
        resource="zaak", zaaktype=f"{ZTC}/zaaktypen/other", initiatief="INI-9", buurtcode=BUURT
    )

    event = emitted(receiver().receive(AUTH, body(message)))

    assert event["type"] == "nl.wijkbrug.municipality.permit.requested"
    assert event["subject"] == Pseudonymiser(KEY).pseudonym("ini", "INI-9")
    assert event["data"] == {"permit_id": "d7a22c54-4c16-4a47-9b3c-2f1b3b6a0001", "permit_type": "evenement"}
    validate_event(event, now=NOW)


def test_the_raw_zaak_url_and_the_rsin_never_reach_the_event() -> None:
    message = granted()

    text = json.dumps(emitted(receiver().receive(AUTH, body(message))))

    assert RSIN not in text
    assert not text_has_bsn(text)
    assert message["hoofdObject"] not in text
    assert "zaken.example.nl" not in text


# ---------------------------------------------------------------------------------------------------
# ids


def test_every_delivery_of_one_notification_gets_the_same_id() -> None:
    first = emitted(receiver().receive(AUTH, body(granted())))
    again = emitted(receiver().receive(AUTH, body(granted())))
    same_instant = emitted(receiver().receive(AUTH, body(granted(aanmaakdatum="2026-10-01T14:00:00+02:00"))))

    assert first["id"] == again["id"] == same_instant["id"]
    assert first["id"].startswith("zgw-")
    assert len(first["id"]) <= 256


@pytest.mark.parametrize(
    "change",
    [
        {"aanmaakdatum": "2026-10-01T12:00:01Z"},
        {"actie": "update"},
        {"zaak": "d7a22c54-4c16-4a47-9b3c-2f1b3b6a0002"},
        {"kanaal": "zaken2"},
    ],
)
def test_another_kanaal_resource_actie_or_time_is_another_id(change: dict[str, str]) -> None:
    wide = receiver(
        mapping=[
            {
                "kanaal": kanaal,
                "resource": "status",
                "actie": actie,
                "type": "municipality.permit.decided",
                "buurt": BUURT,
                "data": {"permit_id": {"id_of": "resourceUrl"}, "outcome": "granted"},
            }
            for kanaal in ("zaken", "zaken2")
            for actie in ("create", "update")
        ]
    )
    first = emitted(wide.receive(AUTH, body(granted())))
    other = emitted(wide.receive(AUTH, body(granted(**change))))

    assert first["id"] != other["id"]


# ---------------------------------------------------------------------------------------------------
# rejects


def test_an_unmapped_zaaktype_is_rejected_with_its_reason() -> None:
    outcome = receiver().receive(
        AUTH, body(notification(zaaktype=f"{ZTC}/zaaktypen/onbekend", statustype=GRANTED))
    )

    assert isinstance(outcome, Reject)
    assert outcome.reason == "unmapped_zaaktype"
    assert f"{ZTC}/zaaktypen/onbekend" in outcome.message
    assert outcome.position.startswith("notification:")
    assert outcome.record["hoofdObject"] == "(withheld)"
    assert outcome.record["resourceUrl"] == "(withheld)"


def test_a_status_without_a_mapped_statustype_is_unmapped() -> None:
    outcome = receiver().receive(AUTH, body(notification()))

    assert isinstance(outcome, Reject)
    assert outcome.reason == "unmapped_zaaktype"


def test_unmapped_ignore_drops_it_silently() -> None:
    outcome = receiver(unmapped="ignore").receive(AUTH, body(notification()))

    assert isinstance(outcome, Ignored)


def test_the_kenmerk_of_a_subject_is_withheld_from_the_dead_letter_record() -> None:
    message = notification(resource="zaak", initiatief="INI-9")  # no buurtcode kenmerk, no constant buurt

    outcome = receiver().receive(AUTH, body(message))

    assert isinstance(outcome, Reject)
    assert outcome.reason == "missing_buurt"
    assert outcome.record["kenmerken"]["initiatief"] == "(withheld)"


def test_a_buurt_kenmerk_that_is_no_cbs_code_is_rejected() -> None:
    outcome = receiver().receive(AUTH, body(granted(buurtcode="A04i")))

    assert isinstance(outcome, Reject)
    assert (outcome.reason, outcome.field) == ("invalid_buurt", "kenmerken.buurtcode")


def test_a_missing_required_kenmerk_is_rejected() -> None:
    outcome = receiver().receive(AUTH, body(notification(resource="zaak", buurtcode=BUURT)))

    assert isinstance(outcome, Reject)
    assert (outcome.reason, outcome.field) == ("missing_kenmerk", "kenmerken.initiatief")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kanaal": "k" * 51}, "kanaal"),
        ({"hoofdObject": "not a uri"}, "hoofdObject"),
        ({"resource": ""}, "resource"),
        ({"resourceUrl": None}, "resourceUrl"),
        ({"actie": "delete"}, "actie"),
        ({"aanmaakdatum": "2026-10-01"}, "aanmaakdatum"),
        ({"aanmaakdatum": "2026-10-01T12:00:00"}, "aanmaakdatum"),
        ({"kenmerken": {"zaaktype": 5}}, "kenmerken"),
    ],
)
def test_a_malformed_notification_is_rejected_naming_the_field(change: dict[str, Any], field: str) -> None:
    message = {**granted(), **change}

    outcome = receiver().receive(AUTH, body(message))

    assert isinstance(outcome, Reject)
    assert (outcome.reason, outcome.field) == ("invalid_notification", field)


def test_a_body_that_is_not_json_is_rejected_without_copying_it() -> None:
    outcome = receiver().receive(AUTH, b"{not json " + RSIN.encode())

    assert isinstance(outcome, Reject)
    assert outcome.reason == "invalid_notification"
    assert RSIN not in json.dumps(outcome.record)


# ---------------------------------------------------------------------------------------------------
# configuration


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"type": "municipality.permit.teleported"}, "not in catalogue"),
        ({"data": {"permit_id": "x"}}, "needs outcome"),
        ({"data": {"permit_id": "x", "outcome": "granted", "colour": "red"}}, "no field(s) colour"),
        ({"subject": {"kind": "hh"}}, "takes a subject of kind"),
        ({"buurt": None, "buurt_kenmerk": None}, "buurt"),
    ],
)
def test_a_mapping_entry_that_cannot_fit_the_catalogue_is_a_config_error(
    change: dict[str, Any], needle: str
) -> None:
    document = config_document()
    document["mapping"][0] = {**document["mapping"][0], **change}

    with pytest.raises(ConfigError) as caught:
        validate_config(ZgwConfig, document, "zgw.yaml")

    assert caught.value.field.startswith("mapping.0")
    assert needle in caught.value.message


def test_a_zgw_connector_needs_pseudonymisation_and_the_hub_sink() -> None:
    with pytest.raises(ConfigError, match="pseudonymisation"):
        make_config(pseudonymisation=None)
    with pytest.raises(ConfigError, match="sink"):
        make_config(sink={"gateway": {"url": "https://hub.example.nl", "token_env": "HUB_TOKEN"}})


def test_the_secret_must_be_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ZGW_CALLBACK_AUTH", raising=False)
    context = ConnectorContext(file="zgw.yaml", pseudonymiser=Pseudonymiser(KEY))

    with pytest.raises(ConfigError) as caught:
        ZgwReceiver(make_config(), context)

    assert caught.value.field == "auth_env"


def test_the_registry_loads_a_zgw_file(tmp_path: Path) -> None:
    import yaml

    path = tmp_path / "zgw.yaml"
    path.write_text(yaml.safe_dump(config_document()))

    config = load_config(path)

    assert isinstance(config, ZgwConfig)
    assert config.mapping[2].zaaktype is None
    assert config.mapping[0].type == "nl.wijkbrug.municipality.permit.decided"
